import NIOCore

/// Sits before the HTTP decoder and tells `BoundedRequestHandler` when the first bytes of a
/// request arrive — the decoder itself says nothing until a head is whole, and the head's
/// deadline counts from its first byte. Drops the bytes of a connection that is closing, so a
/// refused body is never parsed. Closes the connection when the idle timer fires.
final class RequestStartWatch: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let handler: BoundedRequestHandler

    init(_ handler: BoundedRequestHandler) { self.handler = handler }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard handler.bytesArrived(unwrapInboundIn(data), context: context) else { return }
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // `http.idle_timeout_seconds` with nothing read or written: the connection goes.
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}
