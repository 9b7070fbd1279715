import ArgumentParser
import Eventide
import Foundation

/// `eventide-dlq --db <path> <list|show|edit|redrive|discard>`: an operator's hands on the dead-letter queue of a
/// store: list and inspect letters, correct a letter's event, hand letters back, or give up on them with a reason.
@main
struct EventideDLQCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eventide-dlq",
        abstract: "Lists, inspects, edits, redrives and discards the dead letters of an Eventide store.",
        discussion: """
            Opens the SQLite store a program wrote (an example run with --keep, or with --db <path>); a path without \
            a store is refused and nothing is created. Only a waiting letter can be edited, redriven or discarded: \
            any other id is refused with a non-zero exit. An edit keeps the event as it was dead-lettered (show \
            prints it as "original event"). Redrive sends a message of an embedded queue back to its queue, and \
            marks any other letter redriven (re-publish it where its source reads).
            """,
        subcommands: [List.self, Show.self, Edit.self, Redrive.self, Discard.self])
}

extension EventideDLQCommand {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lists the waiting letters, oldest first.")
        @OptionGroup var store: StoreOption
        @Option(help: "Only the letters of this source.") var source: String?
        @Flag(help: "Every letter, redriven and discarded ones too.") var all = false
        @Flag(help: "Print the letters as JSON.") var json = false

        func run() async throws {
            let letters = try await store.deadLetters().list(source: source, includingRedriven: all)
            if json { return try printJSON(letters) }
            for letter in letters { print(letter.summary) }
            if letters.isEmpty { print("no dead letters" + (all ? "" : " waiting")) }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Prints one letter: its event (and the original once edited), error, attempts and times.")
        @OptionGroup var store: StoreOption
        @Argument(help: "The letter's id.") var id: Int64
        @Flag(help: "Print the letter as JSON.") var json = false

        func run() async throws {
            let letter = try await store.deadLetters().letter(id)
            if json { return try printJSON(letter) }
            for line in letter.report { print(line) }
        }
    }

    struct Edit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replaces a waiting letter's payload (the original event is kept).",
            discussion: "Either --payload with the whole new JSON, or --set with fields to change (repeatable).")
        @OptionGroup var store: StoreOption
        @Argument(help: "The letter's id.") var id: Int64
        @Option(help: "The new payload, as JSON.") var payload: String?
        @Option(help: "Set one top-level field: name=JSON (a value that is not JSON is taken as a string).")
        var set: [String] = []

        func validate() throws {
            guard (payload == nil) != set.isEmpty else {
                throw ValidationError("Give either --payload or --set (at least one), not both.")
            }
            for field in set where !field.contains("=") || field.hasPrefix("=") {
                throw ValidationError("--set \(field): expected name=value.")
            }
        }

        func run() async throws {
            let queue = try store.deadLetters()
            let letter = try await queue.letter(id)
            let newPayload: JSONValue
            if let payload {
                do { newPayload = try JSONValue.parse(payload) } catch {
                    throw ValidationError("--payload is not JSON: \(error)")
                }
            } else {
                guard var object = letter.payload.objectValue else {
                    throw ValidationError("Letter \(id)'s payload is not a JSON object: use --payload.")
                }
                for field in set {
                    let parts = field.split(separator: "=", maxSplits: 1).map(String.init)
                    let value = parts.count == 2 ? parts[1] : ""
                    object[parts[0]] = (try? JSONValue.parse(value)) ?? .string(value)
                }
                newPayload = .object(object)
            }
            let edited = try await queue.edit(id, payload: newPayload)
            print(edited.summary)
            print("payload: \(edited.payload.jsonText)")
            print("original event: \(edited.originalEvent.jsonText)")
        }
    }

    struct Redrive: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Hands waiting letters back to their embedded queue, or marks them redriven.")
        @OptionGroup var store: StoreOption
        @Argument(help: "The letters' ids.") var ids: [Int64]

        func validate() throws {
            guard !ids.isEmpty else { throw ValidationError("Name at least one letter id.") }
        }

        func run() async throws {
            let queue = try store.deadLetters()
            // Refuse before doing anything when one id is not waiting.
            for id in ids {
                let letter = try await queue.letter(id)
                guard letter.state == .waiting else { throw DeadLetterError.notWaiting(id: id, state: letter.state) }
            }
            let redrive = DeadLetterRedrive(deadLetters: queue)
            for id in ids {
                switch try await redrive.redrive(id) {
                case .republished(let destination): print("#\(id) sent back to \(destination)")
                case .marked: print("#\(id) marked redriven (re-publish it where its source reads)")
                case .notWaiting: throw DeadLetterError.notWaiting(id: id, state: try await queue.letter(id).state)
                }
            }
        }
    }

    struct Discard: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Gives up on waiting letters, with a reason kept beside them.")
        @OptionGroup var store: StoreOption
        @Argument(help: "The letters' ids.") var ids: [Int64]
        @Option(help: "Why: kept with each letter.") var reason: String

        func validate() throws {
            guard !ids.isEmpty else { throw ValidationError("Name at least one letter id.") }
            guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw ValidationError("--reason must say why the letters are discarded.")
            }
        }

        func run() async throws {
            for letter in try await store.deadLetters().discard(ids, reason: reason) { print(letter.summary) }
        }
    }
}

/// Prints a value as pretty JSON with sorted keys and ISO 8601 dates.
func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    encoder.dateEncodingStrategy = .iso8601
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
