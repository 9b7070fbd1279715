/// Who made an authenticated request: a configured user and the role it was given.
public struct Principal: Sendable, Hashable, Codable {
    public let username: String
    public let role: Role

    public init(username: String, role: Role) {
        self.username = username
        self.role = role
    }

    /// What a user may do. Ordered: each role may do what the roles before it may.
    public enum Role: String, Sendable, Hashable, Codable, Comparable, CaseIterable {
        /// Reads DAGs, runs, assets and events.
        case viewer
        /// Also triggers runs, records asset events, materializes assets and clears queues.
        case op
        /// Everything.
        case admin

        public static func < (lhs: Role, rhs: Role) -> Bool {
            allCases.firstIndex(of: lhs) ?? 0 < allCases.firstIndex(of: rhs) ?? 0
        }
    }
}
