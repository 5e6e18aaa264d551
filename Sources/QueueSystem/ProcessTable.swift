#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Looking up processes on this host through `/proc` (Linux). Used only on rare paths (a job's
/// processes that outlived their worker), never per job.
public enum ProcessTable {
    /// The pids of processes that hold the file `path` open for writing (any descriptor whose
    /// target has the same device and inode, opened `O_WRONLY` or `O_RDWR`). Read-only openers,
    /// such as an admin's `tail -f`, are not listed. Processes of other users whose `/proc`
    /// entries cannot be read are not listed either. Empty where there is no `/proc`.
    public static func writers(of path: String) -> [pid_t] {
        var target = stat()
        guard stat(path, &target) == 0 else { return [] }
        let me = getpid()
        var result: [pid_t] = []
        guard let pids = try? DirectoryStream.names("/proc") else { return [] }
        for entry in pids {
            guard let pid = pid_t(entry), pid != me else { continue }
            guard let fds = try? DirectoryStream.names("/proc/\(pid)/fd") else { continue }
            for fd in fds {
                var st = stat()
                guard stat("/proc/\(pid)/fd/\(fd)", &st) == 0, st.st_dev == target.st_dev, st.st_ino == target.st_ino else { continue }
                if isOpenForWriting(pid: pid, fd: fd) { result.append(pid); break }
            }
        }
        return result
    }

    /// True when `/proc/PID/fdinfo/FD` says the descriptor was opened for writing.
    private static func isOpenForWriting(pid: pid_t, fd: String) -> Bool {
        guard let bytes = try? FileSystem.readFile("/proc/\(pid)/fdinfo/\(fd)", limit: 65536) else { return false }
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") where line.hasPrefix("flags:") {
            guard let flags = Int(line.dropFirst(6).trimmingPrefix(while: { $0 == " " || $0 == "\t" }), radix: 8) else { return false }
            return flags & Int(O_ACCMODE) != Int(O_RDONLY)
        }
        return false
    }

    /// Sends `signal` to the process group of each of `pids` (to the process alone when it
    /// shares the caller's own group, which is never signalled). Vanished processes are skipped.
    /// Corresponds to `getpgid(2)` and `kill(2)`.
    public static func signalGroups(of pids: [pid_t], _ signal: CInt) {
        let mine = getpgrp()
        var groups: Set<pid_t> = []
        for pid in pids {
            let group = getpgid(pid)
            if group > 0 && group != mine {
                if groups.insert(group).inserted { _ = kill(-group, signal) }
            } else if group > 0 {
                _ = kill(pid, signal)
            }
        }
    }
}
