import Foundation
import OneflowAPI
import Testing

@Suite("Hex strings")
struct HexStringTests {
    @Test("every byte as two lowercase digits, the same as String(format: \"%02x\")")
    func everyByte() {
        let bytes = (0...255).map(UInt8.init)
        #expect(bytes.lowercaseHex == bytes.map { String(format: "%02x", $0) }.joined())
        #expect([UInt8]().lowercaseHex == "")
        #expect([0x00, 0x0f, 0xab, 0xff].lowercaseHex == "000fabff")
    }

    @Test("a webhook signature is the SHA-1 hex of callback id and sign key, as Oneflow documents")
    func signature() {
        // printf 'abcsecret' | sha1sum
        #expect(WebhookNotification.signature(callbackID: "abc", signKey: "secret") == "de0a408ef519cd62e7379039634152874895c50c")
    }
}
