#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// Confirming a finding of fsck before it is reported or repaired.
///
/// fsck lists one directory after another while workers and admin commands keep moving jobs, so
/// a scan can see a job twice (listed in pending/, then again in completed/ after it ran), a
/// claim whose worker exited a moment later, or a file between the two steps of a move. None of
/// these is a problem. A finding is therefore only reported while it still holds when looked at
/// again: every file it is about still exists under the same name, unchanged (same inode and
/// status-change time as when the scan read it; a rename or an exchange changes them), and has
/// been unchanged for at least `FsckCandidate.settleSeconds` (the queue completes every move of
/// its own within that), and its own condition (`still`) is true again. A repair that finds
/// nothing left to do (the file vanished) is not a finding either: "repaired" is only said of
/// a repair that changed something.
struct FsckCandidate {
    /// How long the files of a finding must have been unchanged before it is believed.
    static let settleSeconds = 0.5

    var kind: FsckFinding.Kind
    var path: String
    var detail: String
    /// The files the finding is about, with their status when the scan read them.
    var files: [(path: String, status: FileStatus)] = []
    /// The finding's own condition, evaluated again after the files are confirmed.
    var still: () -> Bool = { true }
    /// The repair: true when it changed something, false when there was nothing left to do.
    /// Throws when it cannot repair (the finding stays, unrepaired); a not-found error means
    /// the file vanished meanwhile (the finding is dropped).
    var fix: () throws -> Bool = { throw QueueError.conflict("fix by hand") }

    /// True when every file is still there, unchanged, and (with `settle`) settled, and `still` holds.
    func confirm(settle: Bool) -> Bool {
        for f in files where !FsckCandidate.unchanged(f.path, since: f.status, settle: settle) { return false }
        return still()
    }

    /// With `settle`, waits (at most `settleSeconds`) until the file has been unchanged for
    /// `settleSeconds`; without, looks once.
    /// - Returns: false as soon as it is gone, replaced or renamed.
    static func unchanged(_ path: String, since seen: FileStatus, settle: Bool) -> Bool {
        let deadline = MonotonicClock.nanos() + UInt64(settleSeconds * 1e9)
        while true {
            guard let st = try? FileStatus.of(path), st.inode == seen.inode, st.changedNanos == seen.changedNanos else {
                return false
            }
            let age = Double(Timestamp.now().micros * 1000 - st.changedNanos) / 1e9
            if !settle || age >= settleSeconds || MonotonicClock.nanos() >= deadline { return true }
            usleep(UInt32(max(0.001, min(settleSeconds - age, 0.05)) * 1e6))
        }
    }
}

extension FsckChecker {
    /// Confirms `c` and, with `repair`, repairs it; records it in the report unless it went away.
    func note(_ c: FsckCandidate) {
        guard c.confirm(settle: settle) else { return }
        var repaired = false
        if repair {
            do {
                guard try c.fix() else { return }  // nothing was left to repair: it went away
                repaired = true
            } catch let e as SystemError where e.isNotFound {
                return
            } catch {
                // Stays unrepaired.
            }
        }
        report.findings.append(FsckFinding(kind: c.kind, path: c.path, detail: c.detail, repaired: repaired))
    }

    /// A finding about one file, `path`, as the scan saw it (`status`).
    func note(_ kind: FsckFinding.Kind, _ path: String, _ detail: String, file status: FileStatus?,
              still: @escaping () -> Bool = { true }, fix: @escaping () throws -> Bool) {
        note(FsckCandidate(kind: kind, path: path, detail: detail, files: status.map { [(path, $0)] } ?? [], still: still, fix: fix))
    }
}
