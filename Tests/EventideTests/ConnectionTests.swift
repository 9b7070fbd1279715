import Eventide
import Testing

@Suite("Connections")
struct ConnectionTests {
    @Test("AIRFLOW_CONN_<ID> variables resolve by id, case-insensitively, with query extras")
    func resolves() throws {
        let registry = ConnectionRegistry(environment: [
            "AIRFLOW_CONN_LANDING_FS": "file:///data/landing?suffix=.csv", "PATH": "/bin",
            "AIRFLOW_CONN_S3_DEFAULT": "s3://user:secret@bucket"])
        #expect(registry.ids == ["landing_fs", "s3_default"])
        let landing = try registry.connection("landing_fs")
        #expect(landing.uri.path == "/data/landing")
        #expect(landing.extra == ["suffix": ".csv"])
        #expect(try registry.connection("S3_DEFAULT").redacted == "s3://user:***@bucket")
    }

    @Test("an unknown id names the variable to set; a bad URI is refused")
    func errors() {
        let registry = ConnectionRegistry(environment: ["AIRFLOW_CONN_A": "file:///a"])
        #expect(throws: ConnectionError.unknown(id: "b", known: ["a"])) { try registry.connection("b") }
        #expect(ConnectionError.unknown(id: "b", known: []).description.contains("AIRFLOW_CONN_B"))
        #expect(throws: ConnectionError.self) { try Connection(id: "x", uri: "no scheme") }
    }
}
