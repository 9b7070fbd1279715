import CRabbitMQ
import Foundation

/// Memory for the C structures of one call (tables, properties, byte strings), freed together when the
/// call returns: rabbitmq-c copies what it sends, so nothing has to outlive `AMQPCValues.with`.
final class AMQPCValues {
    private var allocations: [UnsafeMutableRawPointer] = []

    private init() {}

    /// Runs `body` with an arena whose allocations are freed afterwards.
    static func with<T, E: Error>(_ body: (AMQPCValues) throws(E) -> T) throws(E) -> T {
        let arena = AMQPCValues()
        defer { for pointer in arena.allocations { pointer.deallocate() } }
        return try body(arena)
    }

    func bytes(_ bytes: [UInt8]) -> amqp_bytes_t {
        guard !bytes.isEmpty else { return amqp_bytes_t(len: 0, bytes: nil) }
        let pointer = UnsafeMutableRawPointer.allocate(byteCount: bytes.count, alignment: 1)
        allocations.append(pointer)
        bytes.withUnsafeBytes { pointer.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
        return amqp_bytes_t(len: bytes.count, bytes: pointer)
    }

    func bytes(_ text: String) -> amqp_bytes_t { bytes(Array(text.utf8)) }

    func table(_ table: [String: AMQPFieldValue]) -> amqp_table_t {
        guard !table.isEmpty else { return amqp_table_t(num_entries: 0, entries: nil) }
        let entries = UnsafeMutablePointer<amqp_table_entry_t>.allocate(capacity: table.count)
        allocations.append(UnsafeMutableRawPointer(entries))
        for (index, (key, value)) in table.sorted(by: { $0.key < $1.key }).enumerated() {
            entries[index] = amqp_table_entry_t(key: bytes(key), value: field(value))
        }
        return amqp_table_t(num_entries: Int32(table.count), entries: entries)
    }

    func field(_ value: AMQPFieldValue) -> amqp_field_value_t {
        var field = amqp_field_value_t()
        switch value {
        case .string(let text):
            field.kind = UInt8(AMQP_FIELD_KIND_UTF8.rawValue); field.value.bytes = bytes(text)
        case .int(let number):
            field.kind = UInt8(AMQP_FIELD_KIND_I64.rawValue); field.value.i64 = number
        case .double(let number):
            field.kind = UInt8(AMQP_FIELD_KIND_F64.rawValue); field.value.f64 = number
        case .bool(let flag):
            field.kind = UInt8(AMQP_FIELD_KIND_BOOLEAN.rawValue); field.value.boolean = flag ? 1 : 0
        case .timestamp(let date):
            field.kind = UInt8(AMQP_FIELD_KIND_TIMESTAMP.rawValue)
            field.value.u64 = UInt64(max(0, date.timeIntervalSince1970.rounded(.down)))
        case .decimal(let scale, let number):
            field.kind = UInt8(AMQP_FIELD_KIND_DECIMAL.rawValue);
            field.value.decimal = amqp_decimal_t(decimals: scale, value: number)
        case .bytes(let data):
            field.kind = UInt8(AMQP_FIELD_KIND_BYTES.rawValue); field.value.bytes = bytes(data)
        case .array(let values):
            field.kind = UInt8(AMQP_FIELD_KIND_ARRAY.rawValue)
            if values.isEmpty {
                field.value.array = amqp_array_t(num_entries: 0, entries: nil)
            } else {
                let entries = UnsafeMutablePointer<amqp_field_value_t>.allocate(capacity: values.count)
                allocations.append(UnsafeMutableRawPointer(entries))
                for (index, element) in values.enumerated() { entries[index] = self.field(element) }
                field.value.array = amqp_array_t(num_entries: Int32(values.count), entries: entries)
            }
        case .table(let nested):
            field.kind = UInt8(AMQP_FIELD_KIND_TABLE.rawValue); field.value.table = table(nested)
        case .void:
            field.kind = UInt8(AMQP_FIELD_KIND_VOID.rawValue)
        }
        return field
    }

    func properties(_ message: AMQPMessage) -> amqp_basic_properties_t {
        var properties = amqp_basic_properties_t()
        var flags: amqp_flags_t = 0
        if let value = message.contentType {
            properties.content_type = bytes(value); flags |= eventide_amqp_content_type_flag
        }
        if let value = message.contentEncoding {
            properties.content_encoding = bytes(value); flags |= eventide_amqp_content_encoding_flag
        }
        if !message.headers.isEmpty { properties.headers = table(message.headers); flags |= eventide_amqp_headers_flag }
        if let value = message.persistent {
            properties.delivery_mode = value ? 2 : 1; flags |= eventide_amqp_delivery_mode_flag
        }
        if let value = message.priority { properties.priority = value; flags |= eventide_amqp_priority_flag }
        if let value = message.correlationId {
            properties.correlation_id = bytes(value); flags |= eventide_amqp_correlation_id_flag
        }
        if let value = message.replyTo { properties.reply_to = bytes(value); flags |= eventide_amqp_reply_to_flag }
        if let value = message.expiration {
            properties.expiration = bytes(value); flags |= eventide_amqp_expiration_flag
        }
        if let value = message.messageId {
            properties.message_id = bytes(value); flags |= eventide_amqp_message_id_flag
        }
        if let value = message.timestamp {
            properties.timestamp = UInt64(max(0, value.timeIntervalSince1970.rounded(.down)))
            flags |= eventide_amqp_timestamp_flag
        }
        if let value = message.type { properties.type = bytes(value); flags |= eventide_amqp_type_flag }
        if let value = message.userId { properties.user_id = bytes(value); flags |= eventide_amqp_user_id_flag }
        if let value = message.appId { properties.app_id = bytes(value); flags |= eventide_amqp_app_id_flag }
        properties._flags = flags
        return properties
    }

    // MARK: Reading what rabbitmq-c decoded (copied out before its buffers are released)

    static func string(_ bytes: amqp_bytes_t) -> String {
        guard bytes.len > 0, let base = bytes.bytes else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: base, count: bytes.len), as: UTF8.self)
    }

    static func array(_ bytes: amqp_bytes_t) -> [UInt8] {
        guard bytes.len > 0, let base = bytes.bytes else { return [] }
        return Array(UnsafeRawBufferPointer(start: base, count: bytes.len))
    }

    static func table(_ table: amqp_table_t) -> [String: AMQPFieldValue] {
        guard table.num_entries > 0, let entries = table.entries else { return [:] }
        var result: [String: AMQPFieldValue] = [:]
        for index in 0..<Int(table.num_entries) {
            result[string(entries[index].key)] = value(entries[index].value)
        }
        return result
    }

    static func value(_ field: amqp_field_value_t) -> AMQPFieldValue {
        switch UInt32(field.kind) {
        case AMQP_FIELD_KIND_BOOLEAN.rawValue: return .bool(field.value.boolean != 0)
        case AMQP_FIELD_KIND_I8.rawValue: return .int(Int64(field.value.i8))
        case AMQP_FIELD_KIND_U8.rawValue: return .int(Int64(field.value.u8))
        case AMQP_FIELD_KIND_I16.rawValue: return .int(Int64(field.value.i16))
        case AMQP_FIELD_KIND_U16.rawValue: return .int(Int64(field.value.u16))
        case AMQP_FIELD_KIND_I32.rawValue: return .int(Int64(field.value.i32))
        case AMQP_FIELD_KIND_U32.rawValue: return .int(Int64(field.value.u32))
        case AMQP_FIELD_KIND_I64.rawValue: return .int(field.value.i64)
        case AMQP_FIELD_KIND_U64.rawValue:
            return field.value.u64 <= UInt64(Int64.max)
                ? .int(Int64(field.value.u64)) : .double(Double(field.value.u64))
        case AMQP_FIELD_KIND_F32.rawValue: return .double(Double(field.value.f32))
        case AMQP_FIELD_KIND_F64.rawValue: return .double(field.value.f64)
        case AMQP_FIELD_KIND_DECIMAL.rawValue:
            return .decimal(scale: field.value.decimal.decimals, value: field.value.decimal.value)
        case AMQP_FIELD_KIND_UTF8.rawValue: return .string(string(field.value.bytes))
        case AMQP_FIELD_KIND_BYTES.rawValue: return .bytes(array(field.value.bytes))
        case AMQP_FIELD_KIND_TIMESTAMP.rawValue: return .timestamp(Date(timeIntervalSince1970: Double(field.value.u64)))
        case AMQP_FIELD_KIND_TABLE.rawValue: return .table(table(field.value.table))
        case AMQP_FIELD_KIND_ARRAY.rawValue:
            let array = field.value.array
            guard array.num_entries > 0, let entries = array.entries else { return .array([]) }
            return .array((0..<Int(array.num_entries)).map { value(entries[$0]) })
        default: return .void
        }
    }

    static func message(_ message: amqp_message_t) -> AMQPMessage {
        let properties = message.properties
        let flags = properties._flags
        func has(_ flag: amqp_flags_t) -> Bool { flags & flag != 0 }
        return AMQPMessage(
            body: array(message.body),
            contentType: has(eventide_amqp_content_type_flag) ? string(properties.content_type) : nil,
            contentEncoding: has(eventide_amqp_content_encoding_flag) ? string(properties.content_encoding) : nil,
            headers: has(eventide_amqp_headers_flag) ? table(properties.headers) : [:],
            persistent: has(eventide_amqp_delivery_mode_flag) ? properties.delivery_mode == 2 : nil,
            priority: has(eventide_amqp_priority_flag) ? properties.priority : nil,
            correlationId: has(eventide_amqp_correlation_id_flag) ? string(properties.correlation_id) : nil,
            replyTo: has(eventide_amqp_reply_to_flag) ? string(properties.reply_to) : nil,
            expiration: has(eventide_amqp_expiration_flag) ? string(properties.expiration) : nil,
            messageId: has(eventide_amqp_message_id_flag) ? string(properties.message_id) : nil,
            timestamp: has(eventide_amqp_timestamp_flag)
                ? Date(timeIntervalSince1970: Double(properties.timestamp)) : nil,
            type: has(eventide_amqp_type_flag) ? string(properties.type) : nil,
            userId: has(eventide_amqp_user_id_flag) ? string(properties.user_id) : nil,
            appId: has(eventide_amqp_app_id_flag) ? string(properties.app_id) : nil)
    }
}
