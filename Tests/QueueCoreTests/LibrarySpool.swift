import Foundation
@testable import QueueCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// A real spool in a fresh temporary directory for library tests; removed by `remove()`.
struct LibrarySpool {
    let dir: String
    let spool: Spool

    init(_ tag: String) throws {
        dir = FileManager.default.temporaryDirectory.path + "/queuectl-lib-\(tag)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        spool = Spool(root: dir)
        try spool.create()
    }

    func remove() { try? FileManager.default.removeItem(atPath: dir) }

    /// Names in a state's directory, sorted.
    func names(_ state: JobState) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: spool.directory(state))) ?? []).sorted()
    }

    /// Enqueues one job and returns its path in pending/.
    @discardableResult
    func add(_ id: String, priority: Int = 0, runAt: Timestamp? = nil, maxRetries: Int? = nil) throws -> String {
        var job = Job(id: try JobID(id), command: "true")
        job.priority = priority
        if let runAt { job.runAt = runAt }
        job.maxRetries = maxRetries
        try spool.enqueue([job])
        return spool.path("pending", JobFileName.ordered(job))
    }

    /// Sets a file's mtime `seconds` in the past.
    func age(_ path: String, by seconds: Double) throws {
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -seconds)], ofItemAtPath: path)
    }
}

/// A worker on another host (the lease decides its liveness).
let otherHostWorker = ProcessTag(escapedHost: "elsewhere", pid: 4242, startTime: 77)
