#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// `enqueue -`: JSON lines streamed into the queue in bounded chunks.
extension Spool {
    /// Jobs committed together (one `syncfs`, one fsync per directory) by `enqueueLines`.
    public static let enqueueChunkSize = 10_000

    /// Enqueues one job per JSON line of `input` (blank lines skipped, a trailing `\r` ignored),
    /// with memory bounded by the chunk size, not the input's length.
    ///
    /// Two passes. The first reads `input` once, validates every line (`prepare`, ids, unique
    /// keys, `after`) and copies the lines to a file in `tmp/` (removed when this returns); a
    /// bad line anywhere throws before anything is enqueued. The second reads that copy and
    /// commits it in chunks of `chunkSize` lines, each through `enqueueIdempotent` (durable
    /// before `committed` hears its ids). A given id that is taken already is refused in the
    /// first pass (`.duplicateID`). Only a failure of the second pass (I/O, an id taken
    /// meanwhile by another enqueuer) can leave earlier chunks enqueued; its error says how many.
    ///
    /// Memory grows only with the ids given in the lines (kept to find duplicates), at most
    /// `maxKeysPerBatch` unique keys, and one chunk of jobs.
    /// - Parameters:
    ///   - prepare: turns a decoded line (the n-th job, from 0) into the job to enqueue.
    ///   - committed: the result ids of one chunk, in input order, once it is durable.
    /// - Returns: how many lines were enqueued (or answered by a unique key's holder).
    /// - Throws: `QueueError.invalidJob` naming the line for bad input (nothing enqueued);
    ///   `.notFound` for an `after` naming no job; what `enqueueIdempotent` throws.
    public func enqueueLines(_ input: StandardStream, chunkSize: Int = Spool.enqueueChunkSize,
                             prepare: (Job, Int) throws(QueueError) -> Job,
                             committed: ([JobID]) -> Void,
                             progress: ProgressReporter? = nil) throws(QueueError) -> Int {
        let chunk = max(1, chunkSize)
        let copy = tmpName("lines")
        defer { _ = try? FileSystem.unlinkIfExists(copy) }
        let now = Timestamp.now()
        let total = try validateLines(input, copyTo: copy, chunk: chunk, now: now, prepare: prepare)
        var ids = BatchIDs()
        var jobs: [Job] = []
        jobs.reserveCapacity(min(chunk, total))
        var sequence = 0
        var added = 0
        func flush() throws(QueueError) {
            guard !jobs.isEmpty else { return }
            let result: [JobID]
            do { result = try enqueueIdempotent(jobs, progress: progress) } catch {
                guard added > 0 else { throw error }
                throw .failure("enqueue failed after \(added) of \(total) jobs were added", error,
                               note: "the first \(added) lines are enqueued; the rest are not")
            }
            added += jobs.count
            committed(result)
            jobs.removeAll(keepingCapacity: true)
        }
        do {
            let fd = try FileDescriptor.open(copy, flags: O_RDONLY)
            defer { fd.close() }
            var reader = LineReader(fd, path: copy)
            while let line = try reader.next() {
                let job = try prepare(try Job.decode(Array(line), fallbackID: ids.next(now), now: now), sequence)
                jobs.append(job)
                sequence += 1
                if jobs.count == chunk { try flush() }
            }
        } catch let e as SystemError {
            throw .failure("enqueue failed", e, note: added > 0 ? "\(added) of \(total) jobs were added" : nil)
        } catch let e as QueueError {
            throw e
        } catch {
            throw .failure("enqueue failed", error)
        }
        try flush()
        return added
    }

    /// The first pass of `enqueueLines`: every line validated, the non-blank ones copied to
    /// `copy`. Returns their number.
    private func validateLines(_ input: StandardStream, copyTo copy: String, chunk: Int, now: Timestamp,
                               prepare: (Job, Int) throws(QueueError) -> Job) throws(QueueError) -> Int {
        // A placeholder id no line can give (ids cannot start with '-'): marks generated ids.
        let unnamed = JobID(unchecked: "-")
        var given = Set<JobID>()                 // ids given in lines, to refuse duplicates
        var waitedFor: [JobID: Int] = [:]        // an `after` id not seen yet -> the first line waiting
        var keys = Set<UniqueKey>()
        var count = 0
        var lineNumber = 0
        do {
            let out = try FileDescriptor.open(copy, flags: O_WRONLY | O_CREAT | O_EXCL)
            defer { out.close() }
            var pending: [UInt8] = []
            pending.reserveCapacity(1 << 17)
            var reader = LineReader(input.descriptor, path: "standard input")
            while let raw = try reader.next() {
                lineNumber += 1
                var line = raw
                if line.last == 0x0d { line = line.dropLast() }
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
                let job: Job
                do {
                    job = try prepare(try Job.decode(Array(line), fallbackID: unnamed, now: now), count)
                    if let key = try job.validatedUniqueKey() {
                        keys.insert(key)
                        if keys.count > Spool.maxKeysPerBatch {
                            throw QueueError.invalidJob("more than \(Spool.maxKeysPerBatch) distinct unique keys in one batch")
                        }
                    }
                } catch {
                    throw QueueError.invalidJob("line \(lineNumber): \(error); nothing was enqueued")
                }
                if job.id != unnamed {
                    guard given.insert(job.id).inserted else {
                        throw QueueError.invalidJob("id '\(job.id)' appears more than once in the input; nothing was enqueued")
                    }
                    // Taken already: refused now, before any chunk is added (a race with
                    // another enqueuer is still caught when the chunk reserves its ids).
                    if (try? FileStatus.of(markerPath(job.id))) != nil, try !isStaleMarker(job.id) {
                        throw QueueError.duplicateID(job.id.rawValue)
                    }
                    if let first = waitedFor.removeValue(forKey: job.id), first / chunk != count / chunk {
                        throw QueueError.invalidJob("line \(lineNumber): job \(job.id) is named in 'after' by an earlier line of another chunk of \(chunk) jobs; put a job before the jobs that wait for it; nothing was enqueued")
                    }
                }
                if job.after.contains(job.id) { throw QueueError.invalidJob("job \(job.id) cannot depend on itself") }
                for dep in job.after where !given.contains(dep) && waitedFor[dep] == nil {
                    if (try? FileStatus.of(markerPath(dep))) == nil { waitedFor[dep] = count }
                }
                count += 1
                pending.append(contentsOf: line)
                pending.append(0x0a)
                if pending.count >= 1 << 16 {
                    try out.writeAll(pending, path: copy)
                    pending.removeAll(keepingCapacity: true)
                }
            }
            try out.writeAll(pending, path: copy)
        } catch let e as QueueError {
            throw e
        } catch {
            throw .failure("enqueue failed", error)
        }
        if let dep = waitedFor.keys.min() { throw .notFound("\(dep) (named in --after / 'after')") }
        if count == 0 { throw .invalidJob("no jobs on standard input") }
        return count
    }
}

/// Generated ids for one batch: exactly `JobID.generate(now:random:)`'s ids (the process's
/// next strictly increasing microsecond, at least `now`, in the compact form without its `Z`,
/// then 4 hex digits), built from bytes with the date cached per second, and with the random
/// part drawn from a generator seeded once per batch (one `getrandom` instead of one per job).
struct BatchIDs {
    private var state: UInt64
    private var time = CompactTime()
    private var scratch: [UInt8] = []

    init() {
        var rng = SystemRandomNumberGenerator()
        state = rng.next()
        scratch.reserveCapacity(32)
    }

    /// splitmix64: a fresh 64-bit value per call.
    mutating func nextRandom() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_133C_E111
        return z ^ (z >> 31)
    }

    mutating func next(_ now: Timestamp) -> JobID {
        id(now: now, random: nextRandom())
    }

    /// `JobID.generate(now: now, random: random)`.
    mutating func id(now: Timestamp, random: UInt64) -> JobID {
        let micros = JobID.lastGenerated.withLock { last -> Int64 in
            last = max(last + 1, now.micros)
            return last
        }
        scratch.removeAll(keepingCapacity: true)
        scratch.append(UInt8(ascii: "j"))
        time.append(Timestamp(micros: micros), to: &scratch)
        scratch.removeLast()  // the Z
        for shift: UInt64 in [12, 8, 4, 0] {
            let d = UInt8((random >> shift) & 0xf)
            scratch.append(d < 10 ? 48 + d : 87 + d)
        }
        return JobID(unchecked: String(decoding: scratch, as: UTF8.self))
    }
}
