import QueueCore
public enum QueueCLI { public static func main() -> Never { exit(0) } }
