import GRDB

extension DeadLetterQueue {
    /// The dead-letter queue's columns beyond v2's: what a categorised failure keeps (category, error type, first
    /// and last failure), an operator's edit (the original event kept beside the edited one) and discard.
    static func registerMigrations(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v6-dead-letter-handling") { db in
            try db.execute(
                sql: """
                    ALTER TABLE dead_letter ADD COLUMN category TEXT;
                    ALTER TABLE dead_letter ADD COLUMN error_type TEXT;
                    ALTER TABLE dead_letter ADD COLUMN first_failed_at REAL;
                    ALTER TABLE dead_letter ADD COLUMN last_failed_at REAL;
                    ALTER TABLE dead_letter ADD COLUMN original_payload TEXT;
                    ALTER TABLE dead_letter ADD COLUMN edited_at REAL;
                    ALTER TABLE dead_letter ADD COLUMN discarded_at REAL;
                    ALTER TABLE dead_letter ADD COLUMN discard_reason TEXT;
                    """)
        }
    }
}
