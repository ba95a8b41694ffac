"""Training: the Trainer and its extensions, triggers, snapshots,
output directories and data-parallel training."""
