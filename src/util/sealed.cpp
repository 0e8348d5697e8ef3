#include "util/sealed.hpp"

#include <memory>
#include <stdexcept>

#include <openssl/evp.h>

#include "util/crypto.hpp"

namespace mailsync {

namespace {

constexpr std::size_t nonce_size = 12;
constexpr std::size_t tag_size = 16;

using CipherContext = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

CipherContext new_context() {
    CipherContext context(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
    if (!context)
        throw std::runtime_error("OpenSSL could not make a cipher context");
    return context;
}

const unsigned char* bytes(std::string_view text) {
    return reinterpret_cast<const unsigned char*>(text.data());
}

int size(std::string_view text) {
    return static_cast<int>(text.size());
}

} // namespace

std::string seal_text(std::string_view key, std::string_view plain, std::string_view associated) {
    if (key.size() != sealing_key_size)
        throw std::invalid_argument("seal_text needs a 32-byte key");
    std::string nonce = random_bytes(nonce_size);
    std::string out = nonce;
    out.resize(nonce_size + plain.size() + tag_size);
    auto* cipher = reinterpret_cast<unsigned char*>(out.data() + nonce_size);
    CipherContext context = new_context();
    int written = 0;
    int ignored = 0;
    bool ok = EVP_EncryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, bytes(key),
                                 bytes(nonce)) == 1 &&
              EVP_EncryptUpdate(context.get(), nullptr, &ignored, bytes(associated),
                                size(associated)) == 1 &&
              EVP_EncryptUpdate(context.get(), cipher, &written, bytes(plain), size(plain)) == 1 &&
              EVP_EncryptFinal_ex(context.get(), cipher + written, &ignored) == 1 &&
              EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(tag_size),
                                  cipher + plain.size()) == 1;
    if (!ok)
        throw std::runtime_error("OpenSSL could not encrypt with AES-256-GCM");
    return base64url_encode(out);
}

Result<std::string> open_text(std::string_view key, std::string_view sealed,
                              std::string_view associated) {
    std::optional<std::string> raw = base64url_decode(sealed);
    if (key.size() != sealing_key_size || !raw || raw->size() < nonce_size + tag_size)
        return fail("the sealed text cannot be opened: it is not one mailsync made");
    std::string_view all(*raw);
    std::string_view nonce = all.substr(0, nonce_size);
    std::string_view cipher = all.substr(nonce_size, all.size() - nonce_size - tag_size);
    std::string tag(all.substr(all.size() - tag_size));
    std::string plain(cipher.size(), '\0');
    auto* out = reinterpret_cast<unsigned char*>(plain.data());
    CipherContext context = new_context();
    int written = 0;
    int ignored = 0;
    bool ok = EVP_DecryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, bytes(key),
                                 bytes(nonce)) == 1 &&
              EVP_DecryptUpdate(context.get(), nullptr, &ignored, bytes(associated),
                                size(associated)) == 1 &&
              EVP_DecryptUpdate(context.get(), out, &written, bytes(cipher), size(cipher)) == 1 &&
              EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(tag_size),
                                  tag.data()) == 1 &&
              EVP_DecryptFinal_ex(context.get(), out + written, &ignored) == 1;
    if (!ok)
        return fail("the sealed text cannot be opened: another key, or it was altered");
    return plain;
}

} // namespace mailsync
