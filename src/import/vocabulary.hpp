// The words of `mailsync import`: what an input may call each attribute (its field names) and
// each attribute's values (mailsync's words, the profile's Server and Cloud words, common
// synonyms).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/mapping.hpp"

namespace mailsync {

// An attribute an input may give, with the name an account list uses for it.
struct Importable {
    const char* attribute;
    const char* column;
};

// The attributes an input may give for `kind`.
const std::vector<Importable>& importable(Kind kind);

// The words that name an attribute's values: (word, value), compared by normalize_name.
using Words = std::vector<std::pair<std::string, std::string>>;

// The words an input may use for the values of `attribute` of `kind`.
Words words_of(Kind kind, const std::string& attribute, const MappingProfile& profile);

// Whether an attribute is true or false (enabled, debug): its words are never guessed at.
bool is_two_valued(const std::string& attribute);

// The words for true and false, mailsync's own: true, yes, on, 1, enabled, active...
const Words& two_valued_words();

// A value as text: a JSON string as it is, anything else as JSON.
std::string text_of(const nlohmann::json& value);

} // namespace mailsync
