"""The article's pieces: the model, iterator, updater, the recursion
and its fused kernel, schedules, optimizers and losses."""
