"""One module per subcommand, each with run(args): check the flags, call the engine, render."""
