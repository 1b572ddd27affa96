"""The weekly digest's delivery: one exactly-once record per (target, week), any platform."""
