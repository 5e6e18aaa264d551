import QueueCLI; QueueCLI.main()
