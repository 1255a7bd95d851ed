import Foundation
import Testing

@testable import App

@Suite("SecretBox")
struct SecretBoxTests {
    let key = Data(repeating: 1, count: 32)
    let otherKey = Data(repeating: 2, count: 32)

    @Test("seal then open gives the secret back; the sealed form does not contain it")
    func roundTrip() throws {
        let box = SecretBox(masterKey: key)
        let token = "0123456789abcdefghij0123456789abcdefghij"
        let sealed = try box.seal(token)
        #expect(!sealed.contains(token))
        #expect(sealed.hasPrefix("v1.\(box.currentKeyID)."))
        #expect(try box.open(sealed) == token)
    }

    @Test("sealing twice gives different ciphertexts (fresh nonce)")
    func nonce() throws {
        let box = SecretBox(masterKey: key)
        #expect(try box.seal("same") != box.seal("same"))
    }

    @Test("any changed byte is detected")
    func tamper() throws {
        let box = SecretBox(masterKey: key)
        let sealed = try box.seal("sign-key")
        let parts = sealed.split(separator: ".").map(String.init)
        var bytes = [UInt8](Data(base64Encoded: parts[2])!)
        for index in [0, 12, bytes.count - 1] {
            var copy = bytes
            copy[index] ^= 0x01
            let forged = "v1.\(parts[1]).\(Data(copy).base64EncodedString())"
            #expect(throws: SecretBox.Failure.tampered) { try box.open(forged) }
        }
        bytes.removeLast()
        #expect(throws: SecretBox.Failure.tampered) { try box.open("v1.\(parts[1]).\(Data(bytes).base64EncodedString())") }
    }

    @Test("malformed input and unknown keys are told apart")
    func failures() throws {
        let sealed = try SecretBox(masterKey: otherKey).seal("x")
        #expect(throws: SecretBox.Failure.unknownKey(String(sealed.split(separator: ".")[1]))) {
            try SecretBox(masterKey: key).open(sealed)
        }
        #expect(throws: SecretBox.Failure.malformed) { try SecretBox(masterKey: key).open("plaintext") }
        #expect(throws: SecretBox.Failure.malformed) { try SecretBox(masterKey: key).open("v2.abc.def") }
    }

    @Test("after rotation, old ciphertexts open with the previous key and are flagged for re-sealing")
    func rotation() throws {
        let old = SecretBox(masterKey: key)
        let sealedOld = try old.seal("token")
        let rotated = SecretBox(masterKey: otherKey, previousKeys: [key])
        #expect(try rotated.open(sealedOld) == "token")
        #expect(rotated.needsResealing(sealedOld))
        let resealed = try rotated.seal("token")
        #expect(!rotated.needsResealing(resealed))
        #expect(throws: SecretBox.Failure.self) { try old.open(resealed) }
    }
}
