# SPDX-License-Identifier: GPL-2.0
# Sphinx configuration for klpx's Documentation/: make docs builds it into
# out/docs/ with warnings as errors.

project = 'klpx'
copyright = 'the klpx authors; GPL-2.0'
master_doc = 'index'
exclude_patterns = ['conf.py']
html_theme = 'alabaster'
