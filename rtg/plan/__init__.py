"""Planning the grid: config, preflight checks, trial paths, order, cluster groups."""
