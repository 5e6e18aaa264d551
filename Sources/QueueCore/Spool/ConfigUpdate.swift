import QueueSystem

/// Changing config.json: read, modify, write to tmp/, fsync, rename, fsync the spool root.
extension Spool {
    /// Applies `change` to the stored config. Keys the queue does not know are kept.
    public func updateConfig(_ change: (inout Config) throws(QueueError) -> Void) throws(QueueError) {
        var config = try self.config()
        try change(&config)
        var object: [String: JSONValue] = [:]
        if let bytes = try? FileSystem.readFile(configPath, limit: 1 << 20), case .object(let o)? = try? JSONCoding.decode(bytes) {
            object = o
        }
        for k in object.keys { if let g = try? Config.group(ofLimitKey: k), config.groupLimits[g.rawValue] == nil { object[k] = nil } }
        if case .object(let values) = config.jsonObject() { for (k, v) in values { object[k] = v } }
        do {
            let tmp = tmpName("config")
            try FileSystem.writeNewFile(tmp, JSONCoding.encode(.object(object), pretty: true) + [0x0a], sync: true)
            try FileSystem.rename(tmp, configPath)
            try FileSystem.syncDirectory(root)
        } catch {
            throw .failure("cannot write \(configPath)", error)
        }
    }
}
