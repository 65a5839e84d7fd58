// Jest setup (package.json "jest"): in-process services log quietly unless LOG_LEVEL is set.
process.env.LOG_LEVEL ??= 'warn';
