/// Group limits in the config: `group.NAME.limit N` (N in 1...1,000,000). A group without
/// a limit is unlimited: its jobs take no slot. The keys are not in `Config.keys` (their names
/// are open-ended); `Config.key(named:)` answers for them through `groupKey(named:)`.
extension Config {
    /// The bounds of a group limit.
    public static let groupLimitRange = 1...1_000_000

    /// The config key of `group`'s limit: `group.NAME.limit`.
    public static func groupLimitKey(_ group: GroupName) -> String { "group.\(group.rawValue).limit" }

    /// The group a key like `group.NAME.limit` names, nil when the key does not have that shape.
    /// - Throws: `QueueError.invalidConfig` when it has the shape but NAME is not a valid group name.
    public static func group(ofLimitKey key: String) throws(QueueError) -> GroupName? {
        guard key.hasPrefix("group."), key.hasSuffix(".limit"), key.utf8.count > 12 else { return nil }
        let name = String(key.dropFirst(6).dropLast(6))
        do { return try GroupName(name) } catch { throw .invalidConfig("invalid config key '\(key)': \(error)") }
    }

    /// The limit of `group`, nil when unlimited.
    public func limit(of group: GroupName) -> Int? { groupLimits[group.rawValue] }

    /// The documented key for a group limit, or nil when `name` is not one.
    static func groupKey(named name: String) throws(QueueError) -> Key? {
        guard let group = try group(ofLimitKey: name) else { return nil }
        let range = groupLimitRange
        return Key(name: name, help: "at most this many jobs of group \(group) run at once (unset: unlimited)",
                   get: { $0.groupLimits[group.rawValue].map(String.init) ?? "unlimited" },
                   set: { (c, s) throws(QueueError) in
                       guard let v = Int(s), range.contains(v) else {
                           throw .invalidConfig("invalid value '\(s)' for \(name): expected an integer in \(range.lowerBound)...\(range.upperBound) (unset the key for no limit)")
                       }
                       c.groupLimits[group.rawValue] = v
                   })
    }

    /// The keys of the group limits that are set, in name order.
    public var groupLimitKeys: [Key] {
        groupLimits.keys.sorted().compactMap { try? Config.groupKey(named: "group.\($0).limit") }
    }

    /// Removes a key: a group limit is dropped (the group becomes unlimited); any other key
    /// returns to its default.
    /// - Throws: `QueueError.invalidConfig` for an unknown key.
    public mutating func unset(_ name: String) throws(QueueError) {
        if let group = try Config.group(ofLimitKey: name) { groupLimits[group.rawValue] = nil; return }
        let key = try Config.key(named: name)
        let defaults = Config()
        try key.set(&self, key.get(defaults))
    }

    /// Reads the group limits of a config object (keys `group.NAME.limit`).
    /// - Throws: `QueueError.invalidConfig` naming a bad key or value.
    mutating func loadGroupLimits(_ object: [String: JSONValue]) throws(QueueError) {
        for (name, value) in object where name.hasPrefix("group.") {
            guard let key = try Config.groupKey(named: name) else { continue }
            guard !value.isNull else { continue }
            guard let i = value.intValue else { throw .invalidConfig("invalid value for \(name): expected an integer in \(Config.groupLimitRange.lowerBound)...\(Config.groupLimitRange.upperBound)") }
            try key.set(&self, String(i))
        }
    }
}
