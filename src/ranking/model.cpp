// The ranking model: feature names, the linear predictor, model.json in and out.
#include <engage_right/error.hpp>
#include <engage_right/io.hpp>
#include <engage_right/ranking.hpp>

#include "util/json.hpp"
#include "util/names.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>

namespace engage_right {

namespace {

constexpr detail::name_table<ranking_feature, ranking_feature_count> feature_names{
    "ranking feature",
    {{{ranking_feature::similarity, "similarity"},
      {ranking_feature::tags, "tags"},
      {ranking_feature::proximity, "proximity"},
      {ranking_feature::happiness, "happiness"},
      {ranking_feature::peer_log_degree, "peer_log_degree"},
      {ranking_feature::peer_activity, "peer_activity"},
      {ranking_feature::peer_idle_days, "peer_idle_days"},
      {ranking_feature::co_participation, "co_participation"}}}};

constexpr const char* format_name = "engage-right ranking model";

}  // namespace

const char* to_string(ranking_feature f) noexcept { return feature_names.name(f); }

ranking_feature parse_ranking_feature(std::string_view name) { return feature_names.parse(name); }

bool ranking_model::uses(ranking_feature f) const noexcept {
    for (auto x : features)
        if (x == f) return true;
    return false;
}

// The canonical arithmetic of the linear predictor: the recommender adds a
// peer's precomputed peer_part to the pair_part of each member and gets the
// same bits (the library is compiled with -ffp-contract=off).
double ranking_model::peer_part(const ranking_features& x) const noexcept {
    double eta = intercept;
    for (std::size_t j = 0; j < features.size(); ++j)
        if (is_peer_feature(features[j]))
            eta += coefficients[j] * ((x[static_cast<std::size_t>(features[j])] - mean[j]) / scale[j]);
    return eta;
}

double ranking_model::pair_part(const ranking_features& x) const noexcept {
    double eta = 0;
    for (std::size_t j = 0; j < features.size(); ++j)
        if (!is_peer_feature(features[j]))
            eta += coefficients[j] * ((x[static_cast<std::size_t>(features[j])] - mean[j]) / scale[j]);
    return eta;
}

double ranking_model::linear_predictor(const ranking_features& x) const noexcept { return peer_part(x) + pair_part(x); }

double logistic(double eta) noexcept {
    return eta >= 0 ? 1.0 / (1.0 + std::exp(-eta)) : std::exp(eta) / (1.0 + std::exp(eta));
}

double ranking_model::probability(const ranking_features& x) const noexcept { return logistic(linear_predictor(x)); }

ranking_features ranking_model::contributions(const ranking_features& x) const noexcept {
    ranking_features out{};
    for (std::size_t j = 0; j < features.size(); ++j) {
        const auto k = static_cast<std::size_t>(features[j]);
        out[k] = coefficients[j] * ((x[k] - mean[j]) / scale[j]);
    }
    return out;
}

void ranking_model::validate() const {
    const std::size_t p = features.size();
    if (p == 0) throw config_error("ranking model: no features");
    if (coefficients.size() != p || mean.size() != p || scale.size() != p)
        throw config_error(fmt::format(
            "ranking model: {} features but {} coefficients, {} means and {} scales (expected one of each per feature)",
            p, coefficients.size(), mean.size(), scale.size()));
    for (std::size_t j = 0; j < p; ++j) {
        for (std::size_t k = 0; k < j; ++k)
            if (features[k] == features[j])
                throw config_error(fmt::format("ranking model: feature '{}' is listed twice", to_string(features[j])));
        if (!std::isfinite(coefficients[j]) || !std::isfinite(mean[j]))
            throw config_error(fmt::format("ranking model: feature '{}': coefficient and mean must be finite",
                                           to_string(features[j])));
        if (!(std::isfinite(scale[j]) && scale[j] > 0))
            throw config_error(
                fmt::format("ranking model: feature '{}': scale must be a finite number > 0", to_string(features[j])));
    }
    if (!std::isfinite(intercept)) throw config_error("ranking model: the intercept must be finite");
    if (!(std::isfinite(half_life_days) && half_life_days > 0))
        throw config_error("ranking model: half_life_days must be a finite number > 0");
}

// ------------------------------------------------------------ model.json ---

namespace {

using json = nlohmann::ordered_json;
using detail::bad;
using detail::type_name;

std::string iso(double t) { return format_timestamp(t); }

const json& member(std::string_view source, const json& obj, const std::string& path, const char* key) {
    const auto it = obj.find(key);
    if (it == obj.end()) bad(source, path, fmt::format("missing key \"{}\"", key));
    return *it;
}

double number(std::string_view source, const std::string& path, const json& v) {
    if (!v.is_number()) bad(source, path, fmt::format("expected a finite number, got {}", type_name(v)));
    const double d = v.get<double>();
    if (!std::isfinite(d)) bad(source, path, "expected a finite number");
    return d;
}

std::vector<double> numbers(std::string_view source, const std::string& path, const json& v, std::size_t n) {
    if (!v.is_array()) bad(source, path, fmt::format("expected an array of {} numbers, got {}", n, type_name(v)));
    if (v.size() != n) bad(source, path, fmt::format("expected {} numbers (one per feature), got {}", n, v.size()));
    std::vector<double> out;
    for (std::size_t i = 0; i < n; ++i) out.push_back(number(source, fmt::format("{}[{}]", path, i), v[i]));
    return out;
}

double time_value(std::string_view source, const std::string& path, const json& v) {
    if (v.is_string()) {
        const auto t = parse_timestamp(v.get<std::string>());
        if (!t) bad(source, path, fmt::format("expected an ISO-8601 time, got \"{}\"", v.get<std::string>()));
        return *t;
    }
    return number(source, path, v);
}

std::size_t count(std::string_view source, const std::string& path, const json& v) {
    if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<long long>() >= 0))
        bad(source, path, fmt::format("expected an integer >= 0, got {}", type_name(v)));
    return v.get<std::size_t>();
}

}  // namespace

std::string model_json(const ranking_model& m) {
    m.validate();
    json doc;
    doc["format"] = format_name;
    doc["version"] = ranking_model::format_version;
    json names = json::array();
    for (auto f : m.features) names.push_back(to_string(f));
    doc["features"] = names;
    doc["coefficients"] = m.coefficients;
    doc["intercept"] = m.intercept;
    doc["standardisation"] = {{"mean", m.mean}, {"scale", m.scale}};
    doc["half_life_days"] = m.half_life_days;
    const auto& t = m.training;
    doc["training"] = {
        {"split_at", iso(t.split_at)}, {"window_start", iso(t.window_start)}, {"horizon_days", t.horizon_days},
        {"members", t.members},        {"active_members", t.active_members},  {"samples", t.samples},
        {"positives", t.positives},    {"negatives_per_member", t.negatives}, {"seed", t.seed}};
    doc["regularisation"] = {{"l2", t.l2}, {"penalised", "coefficients on the standardised scale, not the intercept"}};
    doc["solver"] = {{"method", "newton (IRLS)"},
                     {"iterations", t.iterations},
                     {"converged", t.converged},
                     {"log_likelihood", t.log_likelihood}};
    return doc.dump(2, ' ', false, json::error_handler_t::strict) + "\n";
}

ranking_model parse_model_json(std::string_view text, std::string_view source) {
    const json doc = detail::parse_json_object(text, source);
    ranking_model m;
    {
        const json& f = member(source, doc, "$", "format");
        if (!f.is_string() || f.get<std::string>() != format_name)
            bad(source, "$.format", fmt::format("expected \"{}\"", format_name));
        const json& v = member(source, doc, "$", "version");
        if (!v.is_number_integer() || v.get<long long>() != ranking_model::format_version)
            bad(source, "$.version",
                fmt::format("expected {} (this library reads version {} models)", ranking_model::format_version,
                            ranking_model::format_version));
    }
    const json& names = member(source, doc, "$", "features");
    if (!names.is_array() || names.empty())
        bad(source, "$.features", fmt::format("expected a non-empty array of feature names, got {}", type_name(names)));
    for (std::size_t i = 0; i < names.size(); ++i) {
        const std::string path = fmt::format("$.features[{}]", i);
        if (!names[i].is_string())
            bad(source, path, fmt::format("expected a feature name, got {}", type_name(names[i])));
        try {
            m.features.push_back(parse_ranking_feature(names[i].get<std::string>()));
        } catch (const config_error& e) {
            bad(source, path, e.what());
        }
        for (std::size_t k = 0; k < i; ++k)
            if (m.features[k] == m.features[i])
                bad(source, path, fmt::format("feature \"{}\" is listed twice", names[i].get<std::string>()));
    }
    const std::size_t p = m.features.size();
    m.coefficients = numbers(source, "$.coefficients", member(source, doc, "$", "coefficients"), p);
    m.intercept = number(source, "$.intercept", member(source, doc, "$", "intercept"));
    const json& st = member(source, doc, "$", "standardisation");
    if (!st.is_object()) bad(source, "$.standardisation", fmt::format("expected an object, got {}", type_name(st)));
    m.mean = numbers(source, "$.standardisation.mean", member(source, st, "$.standardisation", "mean"), p);
    m.scale = numbers(source, "$.standardisation.scale", member(source, st, "$.standardisation", "scale"), p);
    for (std::size_t j = 0; j < p; ++j)
        if (!(m.scale[j] > 0)) bad(source, fmt::format("$.standardisation.scale[{}]", j), "expected a number > 0");
    m.half_life_days = number(source, "$.half_life_days", member(source, doc, "$", "half_life_days"));
    if (!(m.half_life_days > 0)) bad(source, "$.half_life_days", "expected a number > 0");
    // Training facts are optional: a hand-written model need not have them.
    if (const auto it = doc.find("training"); it != doc.end()) {
        const json& t = *it;
        if (!t.is_object()) bad(source, "$.training", fmt::format("expected an object, got {}", type_name(t)));
        auto& tr = m.training;
        auto opt_time = [&](const char* key, double& out) {
            if (auto x = t.find(key); x != t.end()) out = time_value(source, fmt::format("$.training.{}", key), *x);
        };
        auto opt_num = [&](const char* key, double& out) {
            if (auto x = t.find(key); x != t.end()) out = number(source, fmt::format("$.training.{}", key), *x);
        };
        auto opt_count = [&](const char* key, std::size_t& out) {
            if (auto x = t.find(key); x != t.end()) out = count(source, fmt::format("$.training.{}", key), *x);
        };
        opt_time("split_at", tr.split_at);
        opt_time("window_start", tr.window_start);
        opt_num("horizon_days", tr.horizon_days);
        opt_count("members", tr.members);
        opt_count("active_members", tr.active_members);
        opt_count("samples", tr.samples);
        opt_count("positives", tr.positives);
        opt_count("negatives_per_member", tr.negatives);
        std::size_t seed = 0;
        opt_count("seed", seed);
        tr.seed = seed;
    }
    if (const auto it = doc.find("regularisation"); it != doc.end()) {
        if (!it->is_object())
            bad(source, "$.regularisation", fmt::format("expected an object, got {}", type_name(*it)));
        if (auto x = it->find("l2"); x != it->end()) m.training.l2 = number(source, "$.regularisation.l2", *x);
    }
    if (const auto it = doc.find("solver"); it != doc.end()) {
        if (!it->is_object()) bad(source, "$.solver", fmt::format("expected an object, got {}", type_name(*it)));
        if (auto x = it->find("iterations"); x != it->end())
            m.training.iterations = static_cast<int>(count(source, "$.solver.iterations", *x));
        if (auto x = it->find("converged"); x != it->end()) {
            if (!x->is_boolean())
                bad(source, "$.solver.converged", fmt::format("expected true or false, got {}", type_name(*x)));
            m.training.converged = x->get<bool>();
        }
        if (auto x = it->find("log_likelihood"); x != it->end())
            m.training.log_likelihood = number(source, "$.solver.log_likelihood", *x);
    }
    m.validate();
    return m;
}

ranking_model read_model(const std::filesystem::path& path) {
    std::string text;
    try {
        text = read_file(path);
    } catch (const input_error& e) {
        throw config_error(e.what());
    }
    return parse_model_json(text, path.string());
}

void write_model(const ranking_model& m, const std::filesystem::path& path) {
    const std::string text = model_json(m);
    std::ofstream out(path, std::ios::binary);
    if (!out) throw error(fmt::format("{}: cannot open for writing", path.string()));
    out << text;
    if (!out.flush()) throw error(fmt::format("{}: write failed", path.string()));
}

}  // namespace engage_right
