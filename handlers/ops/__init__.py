"""Operations shared by every process: health, metrics, logs, request ids, signals, the scheduler's state."""
