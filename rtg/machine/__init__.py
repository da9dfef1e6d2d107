"""Side measurements of the machine: clock, memory bandwidth, the nested-release safety experiment."""
