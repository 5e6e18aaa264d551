#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import QueueSystem

/// Group limits through the filesystem: slot files.
///
/// `groups/<group>/<k>` is slot k of a group. A claimer takes a free slot (k < the limit) BEFORE
/// it claims a job of the group, by `link(2)`ing a complete tmp/ file (two lines: its worker id,
/// the job id) to the slot name: the name appears atomically, with its content, or not at all
/// (EEXIST: taken, try the next k). Every entry of the directory counts as a held slot, so after
/// the limit was lowered no new job starts until fewer than the limit are held. The worker
/// removes its slot when the job's attempt has ended; recovery removes the slot of a dead
/// worker (`Spool.deathReason`) once that worker's claim of the job is gone and the job's run
/// lock is free (its attempt has really ended). Slot files are not fsynced: after a power cut
/// no attempt survives, and a slot that did survive belongs to a dead worker.
public struct GroupSlot: Sendable, Equatable {
    public var group: GroupName
    public var index: Int
    /// `groups/<group>/<index>`.
    public var path: String
}

/// A held slot as read from its file.
public struct GroupSlotHolder: Sendable, Equatable {
    public var name: String
    public var worker: ProcessTag
    public var job: JobID
}

extension Spool {
    public var groupsDirectory: String { path("groups") }
    public func groupDirectory(_ group: GroupName) -> String { path("groups", group.rawValue) }

    /// The slot names held in `group` (every entry but dotfiles and `*.tmp`). Empty when the
    /// group has no directory yet.
    public func groupSlotNames(_ group: GroupName) -> [String] {
        ((try? DirectoryStream.names(groupDirectory(group))) ?? []).filter { !$0.hasPrefix(".") && !$0.hasSuffix(".tmp") }
    }

    /// How many slots of `group` are held (its running jobs, as far as limits count them).
    public func groupRunningCount(_ group: GroupName) -> Int { groupSlotNames(group).count }

    /// The holders of `group`'s slots whose file reads as a slot (in name order).
    public func groupSlotHolders(_ group: GroupName) -> [GroupSlotHolder] {
        groupSlotNames(group).sorted().compactMap { name in
            guard let bytes = try? FileSystem.readFile(path("groups", group.rawValue, name), limit: 4096) else { return nil }
            return GroupSlotHolder.parse(name: name, bytes)
        }
    }

    /// Takes a free slot of `group` for `job`, when fewer than `limit` are held.
    /// - Returns: the slot, or nil when the group is full (also when the limit was lowered and,
    ///   after taking one, more than `limit` are held: it is given back).
    /// - Throws: `SystemError` when the directory or the tmp/ file cannot be written.
    public func takeGroupSlot(_ group: GroupName, limit: Int, worker: ProcessTag, job: JobID) throws(SystemError) -> GroupSlot? {
        let dir = groupDirectory(group)
        let names = groupSlotNames(group)
        if names.count >= limit { return nil }
        if names.isEmpty {
            try FileSystem.makeDirectory(groupsDirectory)
            try FileSystem.makeDirectory(dir)
        }
        let taken = Set(names)
        let tmp = tmpName("slot")
        try FileSystem.writeNewFile(tmp, Array("\(worker.rawValue)\n\(job.rawValue)\n".utf8), sync: false)
        defer { _ = try? FileSystem.unlinkIfExists(tmp) }
        var slot: GroupSlot?
        for k in 0..<limit where !taken.contains(String(k)) {
            let p = dir + "/" + String(k)
            do {
                do { try FileSystem.link(tmp, p) } catch where FileSystem.isLinkUnsupported(error) { try FileSystem.renameNoReplace(tmp, p) }
                slot = GroupSlot(group: group, index: k, path: p)
                break
            } catch where error.isExists {
                continue
            }
        }
        guard let slot else { return nil }
        CrashPoint.hit("group:slot-taken")
        // Names at or past the limit (it was lowered): count again, so no job starts over it.
        if names.contains(where: { Int($0).map { $0 >= limit } ?? true }), groupSlotNames(group).count > limit {
            releaseGroupSlot(slot)
            return nil
        }
        return slot
    }

    /// Gives a slot back (its holder's attempt ended, or the claim did not happen).
    public func releaseGroupSlot(_ slot: GroupSlot) {
        _ = try? FileSystem.unlinkIfExists(slot.path)
    }

    /// Removes the slots whose holder is gone (`deathReason`), once the holder's claim of the
    /// job is no longer in processing/ (claim recovery goes first) and the job's run lock is
    /// free (no process of an attempt is alive). Recoverers of one group take turns (an
    /// `flock` on `groups/<group>/`; a busy group is left to the other), so a slot freed and
    /// taken again meanwhile is never removed. Slots of `me` are never touched.
    /// - Returns: what was released, and slot files that do not read as slots (left in place).
    public func recoverGroupSlots(config: Config, now: Timestamp = .now(), me: ProcessTag = .current) -> (released: [String], errors: [String]) {
        var released: [String] = []
        var errors: [String] = []
        guard let groups = try? DirectoryStream.names(groupsDirectory) else { return ([], []) }
        for g in groups.sorted() where !g.hasPrefix(".") {
            guard let group = try? GroupName(g) else { continue }
            let dir = groupDirectory(group)
            guard let fd = try? FileDescriptor.open(dir, flags: O_RDONLY | O_DIRECTORY) else { continue }
            defer { fd.close() }
            guard (try? fd.tryLockExclusive(path: dir)) == true else { continue }
            for name in groupSlotNames(group).sorted() {
                let p = dir + "/" + name
                guard let bytes = try? FileSystem.readFile(p, limit: 4096) else { continue }
                guard let holder = GroupSlotHolder.parse(name: name, bytes) else {
                    errors.append("groups/\(g)/\(name) is not a slot file (two lines: worker id, job id); it counts as held until removed by hand")
                    continue
                }
                guard holder.worker != me, let reason = deathReason(of: holder.worker, config: config, now: now) else { continue }
                let claim = path("processing", JobFileName.processing(worker: holder.worker, id: holder.job))
                guard (try? FileStatus.of(claim)) == nil, !runIsActive(holder.job) else { continue }
                if (try? FileSystem.unlinkIfExists(p)) == true {
                    released.append("groups/\(g)/\(name) (job \(holder.job); \(reason))")
                }
            }
        }
        return (released, errors)
    }
}

extension GroupSlotHolder {
    /// Parses a slot file: `<worker-id>\n<job-id>\n`. Nil when it is not one.
    static func parse(name: String, _ bytes: [UInt8]) -> GroupSlotHolder? {
        let lines = bytes.split(separator: 0x0a).map { String(decoding: $0, as: UTF8.self) }
        guard lines.count >= 2, let worker = ProcessTag(lines[0]), let job = try? JobID(lines[1]) else { return nil }
        return GroupSlotHolder(name: name, worker: worker, job: job)
    }
}
