"""The report's figures: one shared style, one module per figure family."""
