"""The gap and deviation engine: pure functions, frames in, frames out."""
