"""dg's project module for this folder: `dg dev`, `dg check defs` and `dg launch` look for the
project's root module here. The code location itself is the installed synth_assets package."""
