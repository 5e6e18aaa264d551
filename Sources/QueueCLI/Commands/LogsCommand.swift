import QueueCore

/// `queuectl logs ID`: the job's captured stdout and stderr.
struct LogsCommand: Command {
    static let name = "logs"
    static let abstract = "Print a job's captured stdout and stderr (all attempts). --follow streams until the job finishes."
    static let usage = "ID [--follow]"
    var id: JobID
    var follow: Bool

    init(_ args: inout Arguments) throws {
        follow = try args.flag("--follow", "-f")
        id = try args.jobID()
    }

    func run(_ ctx: Context) throws -> Int32 {
        guard try ctx.spool.locate(id) != nil else { throw QueueError.notFound(id.rawValue) }
        var offset: Int64 = 0
        while true {
            offset = try copyNew(ctx, from: offset)
            ctx.out.flush()
            guard follow else { return ExitCode.success }
            guard let loc = try ctx.spool.locate(id) else { return ExitCode.success }
            if loc.state != .pending && loc.state != .processing {
                _ = try copyNew(ctx, from: offset)
                return ExitCode.success
            }
            usleep(50_000)
        }
    }

    /// Copies log bytes from `offset` to stdout; returns the new offset.
    private func copyNew(_ ctx: Context, from offset: Int64) throws -> Int64 {
        let path = ctx.spool.logPath(id)
        let fd: FileDescriptor
        do { fd = try FileDescriptor.open(path, flags: O_RDONLY | O_NOFOLLOW) } catch where error.isNotFound {
            return offset
        } catch { throw QueueError.system(error) }
        defer { fd.close() }
        guard lseek(fd.rawValue, off_t(offset), SEEK_SET) >= 0 else { return offset }
        do {
            let bytes = try fd.readAll(path: path) ?? []
            ctx.out.bytes(bytes)
            return offset + Int64(bytes.count)
        } catch { throw QueueError.system(error) }
    }
}
