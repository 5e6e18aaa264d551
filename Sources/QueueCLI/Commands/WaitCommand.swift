import QueueCore

/// `queuectl wait ID...`: blocks until the jobs finish.
struct WaitCommand: Command {
    static let name = "wait"
    static let abstract = """
        Wait until the jobs finish. Exit 0 if all completed, 1 if any ended dead (or does not
        exist), 124 if --timeout SECONDS passed first.
        """
    static let usage = "ID... [--timeout SECONDS]"
    var ids: [JobID]
    var timeout: Double?

    init(_ args: inout Arguments) throws {
        timeout = try args.secondsOption("--timeout")
        ids = try args.jobIDs()
    }

    func run(_ ctx: Context) throws -> Int32 {
        let deadline = timeout.map { MonotonicClock.deadline(after: $0) }
        var pending = ids
        var anyDead = false
        let watch = DirectoryWatch()
        watch.add(ctx.spool.directory(.completed))
        watch.add(ctx.spool.directory(.dead))
        while true {
            var still: [JobID] = []
            for id in pending {
                // completed/ and dead/ are looked up by name: no scan while we wait.
                if (try? FileStatus.of(ctx.spool.path("completed", JobFileName.plain(id)))) != nil { continue }
                if (try? FileStatus.of(ctx.spool.path("dead", JobFileName.plain(id)))) != nil {
                    ctx.err.line("queuectl wait: job \(id) ended dead"); anyDead = true; continue
                }
                if (try? FileStatus.of(ctx.spool.markerPath(id))) == nil, try ctx.spool.locate(id) == nil {
                    ctx.err.line("queuectl wait: no such job: \(id)"); anyDead = true; continue
                }
                still.append(id)
            }
            pending = still
            if pending.isEmpty { return anyDead ? ExitCode.failure : ExitCode.success }
            var waitMs: Int32 = 200
            if let deadline {
                let now = MonotonicClock.nanos()
                if now >= deadline {
                    ctx.err.line("queuectl wait: timed out; still waiting for \(pending.map(\.rawValue).joined(separator: ", "))")
                    return ExitCode.timeout
                }
                waitMs = Int32(min(200, (deadline - now) / 1_000_000 + 1))
            }
            var fd = pollfd(fd: watch.fd, events: Int16(POLLIN), revents: 0)
            if watch.fd >= 0 { _ = poll(&fd, 1, waitMs); _ = watch.drain() } else { usleep(UInt32(waitMs) * 1000) }
        }
    }
}
