extension LocalServer {
    /// PostgreSQL 15 with wal2json and `wal_level = logical`, database `eventide`, user `postgres` with trust auth
    /// on loopback (scripts/servers.d/postgres.sh).
    public static let postgres = LocalServer(name: "postgres", port: 55432)
}
