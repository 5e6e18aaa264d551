// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "queuectl",
    products: [
        .executable(name: "queuectl", targets: ["queuectl"]),
        .library(name: "QueueCore", targets: ["QueueCore"]),
    ],
    targets: [
        // Our own C shim: the GNU-only calls Glibc's Swift module does not show. Imported only
        // by QueueSystem (`internal import`).
        .target(name: "CQueueShims"),
        // Build facts: the git commit (a macro scripts/install sets with -Xcc) and how the
        // program is linked. Imported only by QueueSystem (`internal import`).
        .target(name: "CQueueBuildInfo"),
        // Typed wrappers over the syscalls: Errno, SystemError and the one EINTR helper, files,
        // directories, processes, signals, clocks. Knows nothing of jobs or spools.
        .target(name: "QueueSystem", dependencies: ["CQueueShims", "CQueueBuildInfo"]),
        // The spool, job model, claiming, running, retry policy and recovery. Knows nothing of the CLI.
        .target(name: "QueueCore", dependencies: ["QueueSystem"]),
        // The HTTP server and JSON API (`queuectl web`): parses HTTP, routes, calls the core.
        // Sockets come from QueueSystem; no queue rules here.
        .target(name: "QueueWeb", dependencies: ["QueueCore", "QueueSystem"]),
        // The command line: parser and one file per command.
        .target(name: "QueueCLI", dependencies: ["QueueCore", "QueueWeb"]),
        .executableTarget(name: "queuectl", dependencies: ["QueueCLI"]),
        .testTarget(name: "QueueCoreTests", dependencies: ["QueueCore", "QueueSystem", "QueueWeb"]),
        .testTarget(name: "QueueCtlTests", dependencies: ["QueueCore", "QueueSystem", "QueueCLI", "queuectl"]),
    ]
)
