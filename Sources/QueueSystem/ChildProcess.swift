#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
internal import CQueueShims


/// A spawned `/bin/sh -c COMMAND` in its own process group, with stdin from /dev/null and
/// stdout+stderr appended to a log file.
public struct ChildProcess: Sendable {
    public let pid: pid_t

    /// How a child ended.
    public enum Termination: Sendable, Equatable {
        case exited(Int32)
        case signaled(Int32)
    }

    /// Spawns `/bin/sh -c command` in its own process group, stdin from /dev/null, stdout and
    /// stderr both `output` (an open descriptor the child and all its children inherit; the
    /// caller keeps its own copy and closes it when it likes).
    public static func spawnShell(_ command: String, output: FileDescriptor, environment: [String: String] = [:]) throws(SystemError) -> ChildProcess {
        try spawn("/bin/sh", ["-c", command], stdin: "/dev/null", stdout: "", stderr: nil, output: output,
                  environment: environment, newProcessGroup: true)
    }

    /// Spawns `executable` with `arguments`. The child gets a clean signal mask and default
    /// dispositions; with `newProcessGroup` its own process group (pgid = pid), so a timeout or
    /// stop can kill the whole tree.
    /// - Parameters:
    ///   - stdout: file opened for fd 1 (created 0600; appended or truncated per `append`).
    ///   - stderr: file for fd 2, or nil to share stdout's.
    ///   - output: when given, an open descriptor duplicated onto fds 1 and 2 (`stdout` and
    ///     `stderr` are then ignored).
    ///   - environment: added to (and overriding) this process's environment, as it was at the
    ///     first spawn (`InheritedEnvironment`: queuectl never changes its own environment).
    /// - Throws: `SystemError` from `posix_spawn` (a file that cannot be opened fails the spawn).
    /// Corresponds to `posix_spawn(3)`.
    public static func spawn(
        _ executable: String, _ arguments: [String], stdin: String = "/dev/null", stdout: String, stderr: String?,
        append: Bool = false, output: FileDescriptor? = nil, environment: [String: String] = [:], newProcessGroup: Bool = true
    ) throws(SystemError) -> ChildProcess {
        var fileActions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fileActions)
        defer { posix_spawn_file_actions_destroy(&fileActions) }
        let outFlags = O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC)
        posix_spawn_file_actions_addopen(&fileActions, 0, stdin, O_RDONLY, 0)
        if let output {
            posix_spawn_file_actions_adddup2(&fileActions, output.rawValue, 1)
            posix_spawn_file_actions_adddup2(&fileActions, output.rawValue, 2)
        } else {
            posix_spawn_file_actions_addopen(&fileActions, 1, stdout, outFlags, 0o600)
        }
        if output != nil {
        } else if let stderr {
            posix_spawn_file_actions_addopen(&fileActions, 2, stderr, outFlags, 0o600)
        } else {
            posix_spawn_file_actions_adddup2(&fileActions, 1, 2)
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var emptySet = sigset_t()
        sigemptyset(&emptySet)
        posix_spawnattr_setsigmask(&attributes, &emptySet)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for sig in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGCHLD, SIGQUIT, SIGUSR1, SIGUSR2] { sigaddset(&defaults, sig) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        if newProcessGroup {
            posix_spawnattr_setpgroup(&attributes, 0)
            flags |= POSIX_SPAWN_SETPGROUP
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let args: [String] = [executable] + arguments
        let argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        // This process's environment is copied once (`InheritedEnvironment`); per spawn only
        // the overriding entries are formatted and allocated.
        let added: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") }
        defer { for p in added { free(p) } }
        var envp = InheritedEnvironment.shared.pointers(without: Set(environment.keys))
        envp.append(contentsOf: added)
        envp.append(nil)

        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &fileActions, &attributes, argv, envp)
        if rc != 0 { throw SystemError(errno: Errno(rc), operation: "posix_spawn", path: executable) }
        return ChildProcess(pid: pid)
    }

    /// Spawns `executable` with `arguments` (argv[0] is `executable`) in a new session
    /// (`setsid`), stdin from /dev/null, stdout and stderr appended to `log` (created 0600),
    /// with exactly `environment` as its environment, a clean signal mask and default
    /// dispositions. The caller may `poll()` it; it outlives the caller.
    /// - Throws: `SystemError` from `posix_spawn`. Corresponds to `posix_spawn(3)` with
    ///   `POSIX_SPAWN_SETSID`.
    public static func spawnDetached(_ executable: String, _ arguments: [String], environment: [String: String], log: String) throws(SystemError) -> ChildProcess {
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = cq_spawn_detached(&pid, executable, argv, envp, log)
        if rc != 0 { throw SystemError(errno: Errno(rc), operation: "posix_spawn", path: executable) }
        return ChildProcess(pid: pid)
    }

    /// Sends `signal` to the child's whole process group. Corresponds to `kill(-pgid, sig)`.
    public func signalGroup(_ signal: Int32) {
        _ = kill(-pid, signal)
    }

    /// Reaps the child if it has exited; nil while it runs. With `killStragglers`, the rest of
    /// its process group is SIGKILLed first, while the unreaped child still holds the group id
    /// (after reaping, the id could belong to an unrelated new group).
    /// Corresponds to `waitid(WNOWAIT)` then `waitpid(2)`.
    public func poll(killStragglers: Bool = false) -> Termination? {
        if killStragglers {
            let exited = (try? retryingEINTR("waitid") { cq_child_exited_nowait(pid) }) ?? -1
            if exited == 0 { return nil }
            if exited == 1 { signalGroup(SIGKILL) }
        }
        var status: Int32 = 0
        let r: pid_t
        do { r = try retryingEINTR("waitpid") { waitpid(pid, &status, WNOHANG) } } catch { return .exited(-1) }
        if r == 0 { return nil }
        return Self.decode(status)
    }

    /// Blocks until the child exits or `deadline` (monotonic nanos) passes.
    /// Uses a pidfd where the kernel has one, else a short sleep loop.
    /// - Returns: the termination, or nil if the deadline passed first.
    public func wait(untilMonotonicNanos deadline: UInt64?, killStragglers: Bool = false) -> Termination? {
        let pidfd = cq_pidfd_open(pid)
        defer { if pidfd >= 0 { _ = Glibc.close(pidfd) } }
        while true {
            if let t = poll(killStragglers: killStragglers) { return t }
            let now = MonotonicClock.nanos()
            if let deadline, now >= deadline { return nil }
            let remainingMs: Int32 = deadline.map { Int32(min(1000, ($0 - now) / 1_000_000 + 1)) } ?? 1000
            if pidfd >= 0 {
                var p = pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)
                _ = Glibc.poll(&p, 1, remainingMs)
            } else {
                usleep(UInt32(min(remainingMs, 5)) * 1000)
            }
        }
    }

    /// The teardown: TERM to the group, wait up to `graceNanos`, then KILL. Always reaps.
    public func terminateGroup(graceNanos: UInt64) -> Termination {
        signalGroup(SIGTERM)
        let deadline = MonotonicClock.deadline(afterNanos: graceNanos)
        if let t = wait(untilMonotonicNanos: deadline, killStragglers: true) { return t }
        signalGroup(SIGKILL)
        return wait(untilMonotonicNanos: nil, killStragglers: true) ?? .signaled(SIGKILL)
    }

    static func decode(_ status: Int32) -> Termination {
        let sig = status & 0x7f
        if sig == 0 { return .exited((status >> 8) & 0xff) }
        return .signaled(sig)
    }
}
