// The IMAP response reader of the migration engine: any bytes as what a server sends, cut into
// reads of the sizes the first bytes choose; every response handed out is walked as the migrator
// walks it (FETCH items, LIST names in modified UTF-7, status codes).
#include "harnesses.hpp"
#include <algorithm>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "migrate/response.hpp"
#include "migrate/utf7.hpp"

using namespace mailsync;

namespace {

void walk(const imap::Item& item, int depth) {
    if (depth > 64)
        std::abort(); // the reader must have refused nesting this deep
    if (item.type == imap::Item::Type::list) {
        (void)item.after("UID");
        (void)item.after("BODY[]");
        for (const imap::Item& inner : item.items)
            walk(inner, depth + 1);
    }
}

} // namespace

int mailsync::fuzz::imap_response(const std::uint8_t* data, std::size_t size) {
    if (size < 2)
        return 0;
    // The first two bytes: the read sizes to cycle through.
    std::size_t sizes[2] = {std::size_t{data[0]} + 1, std::size_t{data[1]} * 37 + 1};
    data += 2;
    size -= 2;
    imap::ResponseReader reader;
    std::size_t offset = 0;
    for (int turn = 0; offset < size; ++turn) {
        std::size_t count = std::min(sizes[turn % 2], size - offset);
        std::memcpy(reader.room(count), data + offset, count);
        reader.received(count);
        offset += count;
        while (true) {
            Result<std::optional<imap::Response>> next = reader.next();
            if (!next)
                return 0; // a malformed response ends the connection
            if (!*next)
                break;
            const imap::Response& response = **next;
            for (const imap::Item& item : response.data)
                walk(item, 0);
            if (response.kind == "LIST" && !response.data.empty() &&
                response.data.back().type == imap::Item::Type::string)
                (void)imap::decode_mailbox(response.data.back().text);
        }
    }
    // The same bytes as one response, as parse_response sees them.
    (void)imap::parse_response(std::string_view(reinterpret_cast<const char*>(data), size));
    return 0;
}
