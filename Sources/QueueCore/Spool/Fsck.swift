#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

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
        case staleKey = "stale-key"
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
    /// Safe beside live workers and admin commands: a finding is reported (and repaired) only
    /// once it is confirmed, i.e. its files are still there and unchanged after the queue's
    /// own moves would have completed (see `FsckCandidate`); `repaired` is set only when the
    /// repair changed something. A spool that is only busy is therefore reported clean.
    ///
    /// One repair can expose another (an interrupted move completed into pending/ may land
    /// beside a stale copy a power cut left there: a duplicate only the next pass sees), so
    /// repair passes run until one repairs nothing (at most `maxRepairPasses`): one `fsck
    /// --repair` converges, and a second one finds nothing to do.
    public func fsck(repair: Bool, config: Config, now: Timestamp = .now(), progress: ProgressReporter? = nil) -> FsckReport {
        let first = FsckChecker(spool: self, repair: repair, config: config, now: now)
        first.progress = progress
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

/// One pass of fsck. Findings are confirmed before they are reported (see `FsckCandidate`):
/// the scan only gathers candidates; ids in two directories are settled first, then the
/// findings about single files, then the id markers.
final class FsckChecker {
    let spool: Spool
    let repair: Bool
    let config: Config
    let now: Timestamp
    var report = FsckReport()
    /// The FNV-1a 64 hashes of the ids of every job file read: 8 bytes per job is all fsck
    /// keeps of a job (directories are streamed, not listed into memory). A hash seen twice
    /// makes its id a suspect; the suspects alone are looked at again (`checkDuplicates`).
    var seenIDs: Set<UInt64> = []
    var suspects: Set<UInt64> = []

    /// Findings about single files, confirmed and repaired after the duplicates.
    var deferred: [FsckCandidate] = []
    /// Hears each job file checked (the first pass of `Spool.fsck` only).
    var progress: ProgressReporter?
    private var checked = 0

    /// Whether findings wait to settle (`FsckCandidate.settleSeconds`): only while a worker that
    /// could be moving files is alive. On a spool no live worker uses (after a crash, a power
    /// cut, or when workers are stopped) a finding is confirmed by one more look.
    let settle: Bool

    init(spool: Spool, repair: Bool, config: Config, now: Timestamp) {
        self.spool = spool; self.repair = repair; self.config = config; self.now = now
        settle = spool.workers().contains { spool.deathReason(of: $0.id, config: config, now: now) == nil }
    }

    /// A finding about one file, confirmed after the duplicates are settled.
    func later(_ kind: FsckFinding.Kind, _ path: String, _ detail: String, file status: FileStatus,
               still: @escaping () -> Bool = { true }, fix: @escaping () throws -> Bool) {
        deferred.append(FsckCandidate(kind: kind, path: path, detail: detail, files: [(path, status)], still: still, fix: fix))
    }

    func run() -> FsckReport {
        for p in spool.permissionProblems() { note(FsckCandidate(kind: .unsafePermissions, path: spool.root, detail: p)) }
        checkTemporaries()
        for state in JobState.allCases { checkDirectory(state) }
        checkDuplicates()
        for c in deferred { note(c) }
        checkMarkers()
        checkKeys()
        return report
    }

    func checkTemporaries() {
        guard let names = try? DirectoryStream.names(spool.tmpDirectory) else { return }
        for name in names where name != "clock" {  // tmp/clock: the spool's clock (`spoolTime`), kept
            let p = spool.path("tmp", name)
            guard let st = try? FileStatus.of(p) else { continue }
            let age = Double(now.micros * 1000 - st.modifiedNanos) / 1e9
            let ownerDead = name.split(separator: ".").first.flatMap { ProcessTag($0) }?.isDeadOnThisHost ?? false
            // The result of a fenced move whose `.moving` name is still there is the job's new
            // content: recovery publishes it (see FencedMove.swift), never removed here.
            if name.hasSuffix(".result"), (try? FileStatus.of(spool.path("processing", String(name.dropLast(7)) + ".moving"))) != nil { continue }
            if ownerDead || age > 3600 {
                note(.staleTemporary, p, ownerDead ? "its writer is gone" : "older than an hour", file: st) { try FileSystem.unlink(p); return true }
            }
        }
    }

    /// Streams the directory: each file is checked as it is read (repairs wait in `deferred`
    /// until the scan is over, so the directory does not change under the listing because of us).
    func checkDirectory(_ state: JobState) {
        let dir = spool.directory(state)
        var names: [String] = []
        var invalid: [[UInt8]] = []
        do {
            try DirectoryStream.forEach(dir) { entry in
                if let raw = entry.rawName { invalid.append(raw) } else if !JobFileName.isForeignTemporary(entry.name) { checkFile(entry.name, in: state) }
                return true
            }
        } catch {
            note(FsckCandidate(kind: .unreadable, path: dir, detail: "cannot list the directory"))
            return
        }
        for raw in invalid where !raw.withUnsafeBufferPointer({ JobFileName.isForeignTemporary(bytes: $0) }) {
            // Checked at once (the renamed file is then checked below); the queue never makes such names.
            note(.invalidName, spool.path(state.directory, Spool.escapedName(raw)), "the file name is not valid UTF-8 (shown escaped)", file: nil) {
                guard let renamed = try self.spool.renameInvalidName(raw, in: state.directory) else { return false }
                names.append(renamed)
                return true
            }
        }
        for name in names where !JobFileName.isForeignTemporary(name) { checkFile(name, in: state) }
    }

    func checkFile(_ name: String, in state: JobState) {
        checked += 1
        progress?.advance("checked", done: checked, total: nil)
        let spool = self.spool, config = self.config, now = self.now
        let p = spool.path(state.directory, name)
        guard let st = try? FileStatus.of(p) else { return }
        if st.kind != .regular {
            later(.notRegular, p, "a \(st.kind) in \(state.directory)/", file: st) {
                try spool.quarantine(name, in: state.directory, reason: "not a regular file (\(st.kind))") != nil
            }
            return
        }
        if state == .processing {
            if let reason = spool.orphanReason(name, config: config, now: now) {
                later(.orphanedClaim, p, reason, file: st, still: { spool.orphanReason(name, config: config, now: .now()) != nil }) {
                    try spool.recoverClaim(name, reason: reason, config: config, now: now) != nil
                }
                return
            }
        }
        let nameID = JobFileName.id(of: name, in: state)
        if nameID == nil && state.isOrdered {
            later(.dropped, p, "a file dropped into \(state.directory)/; workers adopt it", file: st) {
                switch spool.adopt(name, in: state, grace: config.dropGrace, now: now) {
                case .leftInPlace(let why): throw QueueError.conflict(why)
                case .deferred: throw QueueError.conflict("may still be being written; retry after drop_grace")
                case .vanished: return false
                default: return true
                }
            }
            return
        }
        let job: Job
        do {
            job = try spool.readJob(at: p)
        } catch let e as SystemError {
            if e.isNotFound { return }  // moved on between the listing and the read
            later(.unreadable, p, "\(e)", file: st) { throw e }
            return
        } catch {
            later(.corrupt, p, "\(error)", file: st) {
                try spool.quarantine(name, in: state.directory, reason: "\(error)") != nil
            }
            return
        }
        guard let nameID else {
            later(.misnamed, p, "the name does not follow the pattern of \(state.directory)/", file: st) {
                var fixed = job
                fixed.state = state
                try spool.move(p, to: state, as: fixed, durable: true, reason: "fsck: misnamed")
                return true
            }
            return
        }
        if nameID != job.id {
            later(.misnamed, p, "the name says id '\(nameID)' but the JSON says '\(job.id)'", file: st) {
                var fixed = job
                fixed.id = nameID
                try spool.rewrite(p, with: fixed, sync: true)
                return true
            }
        }
        if state == .processing { remember(nameID); return }
        if job.state != state {
            if Transition.isInterruptedMove(in: state, jsonState: job.state) {
                later(.stateMismatch, p, "JSON says \(job.state.rawValue): an interrupted move, completed to \(job.state.directory)/", file: st) {
                    try spool.move(p, to: job.state, as: job, durable: true, reason: "fsck: interrupted move completed")
                    return true
                }
                return
            }
            later(.stateMismatch, p, "JSON says \(job.state.rawValue) in \(state.directory)/: the directory wins", file: st) {
                var fixed = job
                if state == .pending && job.state.isTerminal { fixed.attempts = 0 }
                fixed.state = state
                fixed.updatedAt = now
                try spool.move(p, to: state, as: fixed, durable: true, reason: "fsck: the directory wins")
                return true
            }
        }
        // In pending/ and failed/, priority or due time edited by hand leave the name as it is: the name rules.
        remember(nameID)
    }

    func remember(_ id: JobID) {
        let hash = NameHash.fnv1a(id.rawValue.utf8)
        if !seenIDs.insert(hash).inserted { suspects.insert(hash) }
    }

    /// One id in two directories: a crash between two steps, or a copy made by hand. The copy
    /// further along wins (newest updated_at; on a tie, a copy whose JSON state matches its
    /// directory, then completed/dead over failed over processing over pending/held); the others
    /// are quarantined, never deleted. A job seen twice because it moved during the scan is
    /// not a duplicate: both copies must still be there, unchanged, when confirmed.
    func checkDuplicates() {
        func rank(_ s: JobState) -> Int {
            switch s { case .completed, .dead: return 3; case .failed: return 2; case .processing: return 1; default: return 0 }
        }
        func consistent(_ c: SeenCopy) -> Int { c.consistent ? 1 : 0 }
        for (id, copies) in suspectCopies() where copies.count > 1 {
            let winner = copies.max { a, b in
                if a.updatedAt != b.updatedAt { return a.updatedAt < b.updatedAt }
                if consistent(a) != consistent(b) { return consistent(a) < consistent(b) }
                return rank(a.state) < rank(b.state)
            }!
            let spool = self.spool
            let winnerPath = spool.path(winner.state.directory, winner.name)
            for copy in copies where copy.state != winner.state || copy.name != winner.name {
                let copyPath = spool.path(copy.state.directory, copy.name)
                note(FsckCandidate(kind: .duplicateID, path: copyPath,
                                   detail: "job \(id) is also in \(winner.state.directory)/ (kept: \(winnerPath))",
                                   files: [(copyPath, copy.status), (winnerPath, winner.status)],
                                   fix: { try spool.quarantine(copy.name, in: copy.state.directory, reason: "duplicate of \(winnerPath)") != nil }))
            }
        }
    }

    /// Markers without a job and jobs without a marker. A job moving while `locate` looks can
    /// be missed by one look, so "no job has this id" is looked at again before it is believed.
    func checkMarkers() {
        let spool = self.spool
        func noJob(_ id: JobID) -> Bool {
            for attempt in 0..<3 {
                if attempt > 0 { usleep(20_000) }
                if (try? spool.locate(id)) ?? nil != nil { return false }
            }
            return true
        }
        // Streamed: the marker of a job seen is ticked off in `seenIDs`; one of no job is checked.
        var stale: [String] = []
        do {
            try DirectoryStream.forEach(spool.path("ids")) { entry in
                let name = entry.name
                guard JobID.isValid(name) else { return true }
                // Ticked off: what is left in `seenIDs` afterwards are jobs without a marker.
                if seenIDs.remove(NameHash.fnv1a(name.utf8)) == nil { stale.append(name) }
                return true
            }
        } catch {
            return
        }
        for name in stale {
            let p = spool.path("ids", name)
            guard let st = try? FileStatus.of(p), Double(now.micros * 1000 - st.modifiedNanos) / 1e9 > 60 else { continue }
            let id = JobID(unchecked: name)
            note(.staleMarker, p, "no job has this id", file: st, still: { noJob(id) }) { try FileSystem.unlink(p); return true }
        }
        for id in ids(hashedIn: seenIDs) {
            let p = spool.markerPath(id)
            // A job being deleted loses its file first, then its marker: only a job still there counts.
            note(.missingMarker, p, "job \(id) has no id marker", file: nil,
                 still: { (try? FileStatus.of(p)) == nil && !noJob(id) }) {
                try FileSystem.createExclusive(p)
            }
        }
    }
}
