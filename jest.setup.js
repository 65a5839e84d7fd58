// Quiet in-process services during tests unless asked (spawned services set their own level).
process.env.LOG_LEVEL ??= 'warn';
