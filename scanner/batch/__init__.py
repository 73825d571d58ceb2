"""Many photos: plan, run, journal, lock, watch, and the engines that run them."""
