import NIOCore

/// Splits the byte stream from a broker into responses: each is an int32 length followed by that many bytes.
struct KafkaFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer
    /// Larger frames mean a desynchronised stream or a hostile peer.
    static let maximumFrameLength = 256 * 1024 * 1024
    /// Who is answering, for the error when it does not speak Kafka.
    let endpoint: String

    init(endpoint: String) { self.endpoint = endpoint }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: Int32.self) else { return .needMoreData }
        // A response is at least its correlation id; an HTTP or Postgres answer reads as an impossible length.
        guard length >= 4, Int(length) <= Self.maximumFrameLength else {
            throw KafkaError.notKafka(endpoint: endpoint, answer: KafkaError.preview(buffer))
        }
        guard buffer.readableBytes >= 4 + Int(length) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 4)
        context.fireChannelRead(Self.wrapInboundOut(buffer.readSlice(length: Int(length))!))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        try decode(context: context, buffer: &buffer)
    }
}
