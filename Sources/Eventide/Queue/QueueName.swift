/// SQS's rule for a standard queue's name: 1 to 80 ASCII letters, digits, `-` or `_`. The embedded queues refuse
/// other names as SQS does, so a name that works on the embedded default works against a server too. (FIFO
/// queues, whose names end in `.fifo`, are not modelled.)
///
/// ```swift
/// QueueName.isValid("orders-dlq")   // true
/// QueueName.isValid("orders.fifo")  // false
/// ```
public enum QueueName {
    public static let maxLength = 80

    public static func isValid(_ name: String) -> Bool {
        (1...maxLength).contains(name.count)
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
    }
}
