extension TemporaryDatabase {
    /// A temporary folder for a test could not be created.
    public struct FolderError: Error, CustomStringConvertible, Equatable {
        /// The folder that could not be created.
        public let path: String
        /// What the file system said.
        public let reason: String

        static func cannotCreate(path: String, reason: String) -> FolderError {
            FolderError(path: path, reason: reason)
        }

        public var description: String {
            "cannot create the temporary folder \(path): \(reason); check that the system temporary folder "
                + "(TMPDIR) exists and is writable, and that the disk is not full."
        }
    }
}
