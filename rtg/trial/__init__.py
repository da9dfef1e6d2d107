"""Running one trial: threads or processes, the timed region, what the trial records about itself."""
