"""newsqa front ends: the CLI, the terminal REPL and the Telegram bot."""
