/// Checking and repairing a spool. The rules are those of spool-layout.md ("fsck").
public struct FsckFinding: Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case staleTemporary = "stale-tmp"
        case orphanedClaim = "orphaned-claim"
        case duplicateID = "duplicate-id"
        case stateMismatch = "state-mismatch"
        case misnamed
        case dropped
        case corrupt
        case notRegular = "not-regular"
        case unreadable
        case staleMarker = "stale-marker"
        case missingMarker = "missing-marker"
        case unsafePermissions = "unsafe-permissions"
        case invalidName = "invalid-name"
    }
    public var kind: Kind
    public var path: String
    public var detail: String
    public var repaired: Bool
    public var description: String { "\(kind.rawValue): \(path): \(detail)\(repaired ? " [repaired]" : "")" }
}

public struct FsckReport: Sendable {
    public var findings: [FsckFinding] = []
    public var unrepaired: [FsckFinding] { findings.filter { !$0.repaired } }
    public var isClean: Bool { unrepaired.isEmpty }
}

extension Spool {
    /// Checks every file of the spool; with `repair`, fixes what it finds, then checks again
    /// so that the report's `isClean` describes the spool as it is now.
    ///
    /// One repair can expose another (an interrupted move completed into pending/ may land
    /// beside a stale copy a power cut left there: a duplicate only the next pass sees), so
    /// repair passes run until one repairs nothing (at most `maxRepairPasses`): one `fsck
    /// --repair` converges, and a second one finds nothing to do.
    public func fsck(repair: Bool, config: Config, now: Timestamp = .now()) -> FsckReport {
        let first = FsckChecker(spool: self, repair: repair, config: config, now: now)
        var report = first.run()
        if repair && !report.findings.isEmpty {
            var repaired = report.findings.filter { $0.repaired }
            var pass = 1
            var after = FsckChecker(spool: self, repair: false, config: config, now: now).run()
            while pass < Spool.maxRepairPasses && !repaired.isEmpty && !after.findings.isEmpty {
                let more = FsckChecker(spool: self, repair: true, config: config, now: now).run().findings.filter { $0.repaired }
                if more.isEmpty { break }
                repaired += more
                pass += 1
                after = FsckChecker(spool: self, repair: false, config: config, now: now).run()
            }
            // Keep what was repaired, and add what is still wrong.
            report.findings = repaired + after.findings
        }
        return report
    }

    /// The most repair passes one `fsck(repair: true)` makes.
    public static let maxRepairPasses = 4
}

/// One pass of fsck.
final class FsckChecker {
    let spool: Spool
    let repair: Bool
    let config: Config
    let now: Timestamp
    var report = FsckReport()
    /// Where each id was found: (state, path, job).
    var seen: [JobID: [(JobState, String, Job)]] = [:]

    init(spool: Spool, repair: Bool, config: Config, now: Timestamp) {
        self.spool = spool; self.repair = repair; self.config = config; self.now = now
    }

    func note(_ kind: FsckFinding.Kind, _ path: String, _ detail: String, fix: () throws -> Void = {}) {
        var repaired = false
        if repair {
            do { try fix(); repaired = true } catch { }
        }
        report.findings.append(FsckFinding(kind: kind, path: path, detail: detail, repaired: repaired))
    }

    /// Transitions whose content is written before the rename: a file in `dir` whose JSON says
    /// `state` is such a move interrupted, and is completed.
    static let interruptedMoves: Set<String> = [
        "dead>pending", "failed>pending", "pending>held", "failed>held", "held>pending",
        "waiting>pending", "waiting>dead",
    ]

    func run() -> FsckReport {
        for p in spool.permissionProblems() { note(.unsafePermissions, spool.root, p) { throw QueueError.conflict("fix by hand") } }
        checkTemporaries()
        for state in JobState.allCases { checkDirectory(state) }
        checkDuplicates()
        checkMarkers()
        return report
    }

    func checkTemporaries() {
        guard let names = try? DirectoryStream.names(spool.tmpDirectory) else { return }
        for name in names {
            let p = spool.path("tmp", name)
            guard let st = try? FileStatus.of(p) else { continue }
            let age = Double(now.micros * 1000 - st.modifiedNanos) / 1e9
            let ownerDead = name.split(separator: ".").first.flatMap { ProcessTag($0) }?.isDeadOnThisHost ?? false
            if ownerDead || age > 3600 {
                note(.staleTemporary, p, ownerDead ? "its writer is gone" : "older than an hour") { try FileSystem.unlink(p) }
            }
        }
    }

    func checkDirectory(_ state: JobState) {
        let dir = spool.directory(state)
        var names: [String] = []
        var invalid: [[UInt8]] = []
        do {
            try DirectoryStream.forEach(dir) { entry in
                if let raw = entry.rawName { invalid.append(raw) } else { names.append(entry.name) }
                return true
            }
        } catch {
            note(.unreadable, dir, "cannot list the directory") { throw QueueError.conflict("fix by hand") }
            return
        }
        for raw in invalid where !raw.withUnsafeBufferPointer({ JobFileName.isForeignTemporary(bytes: $0) }) {
            note(.invalidName, spool.path(state.directory, Spool.escapedName(raw)), "the file name is not valid UTF-8 (shown escaped)") {
                if let renamed = try spool.renameInvalidName(raw, in: state.directory) { names.append(renamed) }
            }
        }
        for name in names where !JobFileName.isForeignTemporary(name) {
            let p = spool.path(state.directory, name)
            guard let st = try? FileStatus.of(p) else { continue }
            if st.kind != .regular {
                note(.notRegular, p, "a \(st.kind) in \(state.directory)/") { _ = try spool.quarantine(name, in: state.directory, reason: "not a regular file (\(st.kind))") }
                continue
            }
            if state == .processing {
                if let reason = spool.orphanReason(name, config: config, now: now) {
                    note(.orphanedClaim, p, reason) { _ = try spool.recoverClaim(name, reason: reason, config: config, now: now) }
                    continue
                }
            }
            let nameID = JobFileName.id(of: name, in: state)
            if nameID == nil && state.isOrdered {
                note(.dropped, p, "a file dropped into \(state.directory)/; workers adopt it") {
                    let r = spool.adopt(name, in: state, grace: config.dropGrace, now: now)
                    switch r {
                    case .leftInPlace(let why): throw QueueError.conflict(why)
                    case .deferred: throw QueueError.conflict("may still be being written; retry after drop_grace")
                    default: break
                    }
                }
                continue
            }
            let job: Job
            do {
                job = try spool.readJob(at: p)
            } catch let e as SystemError {
                note(.unreadable, p, "\(e)") { throw e }
                continue
            } catch {
                note(.corrupt, p, "\(error)") { _ = try spool.quarantine(name, in: state.directory, reason: "\(error)") }
                continue
            }
            guard let nameID else {
                note(.misnamed, p, "the name does not follow the pattern of \(state.directory)/") {
                    var fixed = job
                    fixed.state = state
                    try spool.move(p, to: state, as: fixed, durable: true)
                }
                continue
            }
            if nameID != job.id {
                note(.misnamed, p, "the name says id '\(nameID)' but the JSON says '\(job.id)'") {
                    var fixed = job
                    fixed.id = nameID
                    try spool.rewrite(p, with: fixed, sync: true)
                }
            }
            if state == .processing { seen[nameID, default: []].append((state, p, job)); continue }
            if job.state != state {
                if FsckChecker.interruptedMoves.contains("\(state.rawValue)>\(job.state.rawValue)") {
                    note(.stateMismatch, p, "JSON says \(job.state.rawValue): an interrupted move, completed to \(job.state.directory)/") {
                        try spool.move(p, to: job.state, as: job, durable: true)
                    }
                    continue
                }
                note(.stateMismatch, p, "JSON says \(job.state.rawValue) in \(state.directory)/: the directory wins") {
                    var fixed = job
                    if state == .pending && job.state.isTerminal { fixed.attempts = 0 }
                    fixed.state = state
                    fixed.updatedAt = now
                    try spool.move(p, to: state, as: fixed, durable: true)
                }
            } else if state.isOrdered && JobFileName.ordered(job) != name && JobFileName.parseOrdered(name)?.id == job.id {
                // Priority or due time edited by hand: the name no longer matches; harmless, the name rules.
            }
            seen[nameID, default: []].append((state, p, job))
        }
    }

    /// One id in two directories: a crash between two steps, or a copy made by hand. The copy
    /// further along wins (newest updated_at; on a tie, completed/dead over failed over
    /// processing over pending/held); the others are quarantined, never deleted.
    func checkDuplicates() {
        func rank(_ s: JobState) -> Int {
            switch s { case .completed, .dead: return 3; case .failed: return 2; case .processing: return 1; default: return 0 }
        }
        for (id, copies) in seen where copies.count > 1 {
            let winner = copies.max { a, b in
                a.2.updatedAt != b.2.updatedAt ? a.2.updatedAt < b.2.updatedAt : rank(a.0) < rank(b.0)
            }!
            for copy in copies where copy.1 != winner.1 {
                let name = String(copy.1.split(separator: "/").last!)
                note(.duplicateID, copy.1, "job \(id) is also in \(winner.0.directory)/ (kept: \(winner.1))") {
                    _ = try spool.quarantine(name, in: copy.0.directory, reason: "duplicate of \(winner.1)")
                }
            }
        }
    }

    func checkMarkers() {
        guard let markers = try? DirectoryStream.names(spool.path("ids")) else { return }
        let markerSet = Set(markers)
        for name in markers where JobID.isValid(name) && seen[JobID(unchecked: name)] == nil {
            let p = spool.path("ids", name)
            guard let st = try? FileStatus.of(p), Double(now.micros * 1000 - st.modifiedNanos) / 1e9 > 60 else { continue }
            let id = JobID(unchecked: name)
            if (try? spool.locate(id)) ?? nil != nil { continue }
            note(.staleMarker, p, "no job has this id") { try FileSystem.unlink(p) }
        }
        for id in seen.keys where !markerSet.contains(id.rawValue) {
            note(.missingMarker, spool.markerPath(id), "job \(id) has no id marker") { _ = try FileSystem.createExclusive(spool.markerPath(id)) }
        }
    }
}
