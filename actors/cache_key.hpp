#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "adapters/providers/chat_request.hpp"

namespace llmopt {

// -- which requests the response cache serves, and under which key -----------

// Why a request is not cached.
//   opted_out: the request carries Cache-Control: no-store;
//   sampled:   temperature above 0, or absent (every provider's default is
//              above 0), on a route that does not allow sampled answers to be
//              cached (cache.sampled_routes);
//   many_choices: n > 1 asks for several different answers at once.
enum class cache_refusal { none, opted_out, sampled, many_choices };

// Whether the answer to `request` may be served from or stored in the cache.
// `sampled_allowed`: the route lets answers drawn at temperature > 0 be
// cached. Tool-call answers are cached like any other: the same conversation
// and tools make the same call at temperature 0.
cache_refusal cache_refusal_of(const chat_request& request, bool no_store, bool sampled_allowed);

// The request body without what does not change the answer:
//   stream, stream_options   how the answer is delivered, not what it is:
//                            streaming and non-streaming requests share it;
//   user, metadata, store,   tags for the client's own bookkeeping (abuse
//   service_tier             tracking, dashboards, stored completions,
//                            priority), carrying no instruction to the model.
// `model` stays: the route, or the provider:model the request named, is part
// of the key. Everything else (messages, tools, temperature, max_tokens,
// response_format, seed, ...) may change the answer and stays.
nlohmann::json normalized_request(const nlohmann::json& body);

// The cache key of a request body: the lowercase hex SHA-256 (OpenSSL
// libcrypto) of its normalized form serialized canonically (object keys
// sorted, no whitespace).
std::string cache_key_of(const nlohmann::json& body);

}  // namespace llmopt
