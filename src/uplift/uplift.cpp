#include <engage_right/community.hpp>
#include <engage_right/detail/csv.hpp>
#include <engage_right/error.hpp>
#include <engage_right/io.hpp>
#include <engage_right/uplift.hpp>

#include <fmt/format.h>
#include <Eigen/Cholesky>
#include <Eigen/QR>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <unordered_map>

namespace engage_right {

using detail::trim;

namespace {

constexpr double nan_v = std::numeric_limits<double>::quiet_NaN();
constexpr double z_975 = 1.959964;  // standard normal 97.5% quantile
constexpr double day_seconds = 86400.0;

// ---------------------------------------------------------------------------
// Numerics

double sigmoid(double eta) noexcept {
    if (eta >= 0) return 1.0 / (1.0 + std::exp(-eta));
    const double e = std::exp(eta);
    return e / (1.0 + e);
}

// ln(1 + e^eta) = -ln(1 - sigmoid(eta)), without overflow.
double softplus(double eta) noexcept { return eta > 0 ? eta + std::log1p(std::exp(-eta)) : std::log1p(std::exp(eta)); }

double log_likelihood(const Eigen::VectorXd& eta, const Eigen::VectorXd& y) {
    double ll = 0;
    for (Eigen::Index i = 0; i < eta.size(); ++i) ll += y[i] * eta[i] - softplus(eta[i]);
    return ll;
}

// ---------------------------------------------------------------------------
// Time-ordered views of the history

// Compressed rows per member: [offset[u], offset[u+1]).
struct member_events {
    std::vector<std::size_t> offset;
    std::vector<double> time;
    std::vector<std::uint32_t> value;  // stage (entries) or partner (contacts)
};

member_events group(std::size_t members, const std::vector<std::uint32_t>& who, const std::vector<double>& when,
                    const std::vector<std::uint32_t>& what) {
    member_events g;
    g.offset.assign(members + 1, 0);
    for (const auto u : who) ++g.offset[u + 1];
    for (std::size_t u = 0; u < members; ++u) g.offset[u + 1] += g.offset[u];
    std::vector<std::size_t> fill(g.offset.begin(), g.offset.end() - 1);
    std::vector<std::size_t> order(who.size());
    for (std::size_t i = 0; i < who.size(); ++i) order[fill[who[i]]++] = i;
    g.time.resize(who.size());
    g.value.resize(who.size());
    for (std::size_t u = 0; u < members; ++u) {
        auto b = order.begin() + static_cast<std::ptrdiff_t>(g.offset[u]);
        auto e = order.begin() + static_cast<std::ptrdiff_t>(g.offset[u + 1]);
        std::sort(b, e, [&](std::size_t x, std::size_t y) {
            return when[x] != when[y] ? when[x] < when[y] : what[x] < what[y];
        });
        for (std::size_t p = g.offset[u]; p < g.offset[u + 1]; ++p) {
            g.time[p] = when[order[p]];
            g.value[p] = what[order[p]];
        }
    }
    return g;
}

constexpr std::uint32_t no_stage = std::numeric_limits<std::uint32_t>::max();

// Stage of member u at time t: the latest entry at or before t (entries at
// one time are sorted by stage, so the highest of them), or no_stage.
std::uint32_t stage_at(const member_events& e, std::uint32_t u, double t) {
    const auto b = e.time.begin() + static_cast<std::ptrdiff_t>(e.offset[u]);
    const auto end = e.time.begin() + static_cast<std::ptrdiff_t>(e.offset[u + 1]);
    const auto it = std::upper_bound(b, end, t);
    if (it == b) return no_stage;
    return e.value[static_cast<std::size_t>(it - e.time.begin()) - 1];
}

void validate(const uplift_options& o);

}  // namespace

void validate_covariates(std::span<const std::string> covariates) {
    for (std::size_t i = 0; i < covariates.size(); ++i) {
        const std::string& c = covariates[i];
        if (c != "contacts" && c != "activity")
            throw config_error(fmt::format("unknown covariate '{}' (expected contacts, activity)", c));
        for (std::size_t k = 0; k < i; ++k)
            if (covariates[k] == c) throw config_error(fmt::format("covariate '{}' given twice", c));
    }
}

std::vector<std::string> parse_covariates(std::string_view list) {
    std::vector<std::string> out;
    std::string_view rest = list;
    while (!rest.empty()) {
        const auto cut = rest.find(',');
        std::string item(detail::trim(rest.substr(0, cut)));
        rest = cut == std::string_view::npos ? std::string_view{} : rest.substr(cut + 1);
        if (!item.empty()) out.push_back(std::move(item));
    }
    validate_covariates(out);
    return out;
}

std::string uplift_rates::to_json() const {
    std::string b = "[", l = "[";
    for (double v : base) b += (b.size() > 1 ? ", " : "") + fmt::format("{}", v);
    for (double v : lift) l += (l.size() > 1 ? ", " : "") + fmt::format("{}", v);
    return "{\"base\": " + b + "], \"lift\": " + l + "]}\n";
}

simulation_params uplift_rates::to_params() const {
    simulation_params p;
    p.base = base;
    p.lift = lift;
    return p;
}

uplift_rates simulation_rates(const uplift_result& r, const journey& j, double round_days) {
    if (!(std::isfinite(round_days) && round_days > 0))
        throw config_error(fmt::format("round_days: expected a number > 0, got {}", round_days));
    uplift_rates out;
    for (const auto& s : r.steps) {
        double b = s.base * round_days / r.window_days;
        double l = s.lift;
        const std::string step = fmt::format("{} -> {}", j.stage_name(s.from), j.stage_name(s.to));
        if (!std::isfinite(b)) {
            out.warnings.push_back(fmt::format("{}: no base estimate ({}), writing 0", step, s.status));
            b = 0;
        }
        if (!std::isfinite(l)) {
            out.warnings.push_back(fmt::format("{}: no lift estimate ({}), writing 0", step, s.status));
            l = 0;
        }
        // A negative point estimate is data, but the simulator takes hazards >= 0.
        if (l < 0) {
            out.warnings.push_back(fmt::format("{}: lift estimate {:.4g} < 0, writing 0", step, l));
            l = 0;
        }
        out.base.push_back(b);
        out.lift.push_back(l);
    }
    return out;
}

namespace {

void validate(const uplift_options& o) {
    if (!(std::isfinite(o.window_days) && o.window_days > 0))
        throw config_error(fmt::format("window_days: expected a number > 0, got {}", o.window_days));
    if (o.origin && !time_problem(*o.origin).empty())
        throw config_error(fmt::format("origin: expected a time in years 0001-9999, got {}", *o.origin));
    if (o.round_days && !(std::isfinite(*o.round_days) && *o.round_days > 0))
        throw config_error(fmt::format("round_days: expected a number > 0, got {}", *o.round_days));
    validate_covariates(o.covariates);
    if (o.fit.max_iterations < 1) throw config_error("fit.max_iterations: expected at least 1");
    if (!(o.fit.tolerance > 0)) throw config_error("fit.tolerance: expected a number > 0");
}

}  // namespace

// ---------------------------------------------------------------------------
// Logistic regression

logistic_fit logistic_regression(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, const logistic_options& options) {
    const Eigen::Index n = X.rows(), p = X.cols();
    if (n == 0 || p == 0) throw config_error("logistic regression: the design matrix is empty");
    if (y.size() != n)
        throw config_error(fmt::format("logistic regression: X has {} rows but y has {} values", n, y.size()));
    if (!X.allFinite()) throw config_error("logistic regression: X has a value that is not finite");
    for (Eigen::Index i = 0; i < n; ++i)
        if (!(y[i] >= 0 && y[i] <= 1))
            throw config_error(fmt::format("logistic regression: y[{}] = {} is outside [0, 1]", i, y[i]));
    if (options.max_iterations < 1 || !(options.tolerance > 0))
        throw config_error("logistic regression: max_iterations must be >= 1 and tolerance > 0");
    Eigen::VectorXd penalty = Eigen::VectorXd::Zero(p);
    if (!options.l2.empty()) {
        if (options.l2.size() != static_cast<std::size_t>(p))
            throw config_error(fmt::format("logistic regression: l2 has {} values, expected one per column ({})",
                                           options.l2.size(), p));
        for (Eigen::Index k = 0; k < p; ++k) {
            const double l = options.l2[static_cast<std::size_t>(k)];
            if (!(std::isfinite(l) && l >= 0))
                throw config_error(fmt::format("logistic regression: l2[{}] = {} is not a finite number >= 0", k, l));
            penalty[k] = l;
        }
    }
    // Only the unpenalised columns must identify their coefficients.
    std::vector<Eigen::Index> free_cols;
    for (Eigen::Index k = 0; k < p; ++k)
        if (penalty[k] == 0) free_cols.push_back(k);
    const auto q = static_cast<Eigen::Index>(free_cols.size());
    if (n < q)
        throw config_error(fmt::format("logistic regression: {} observations cannot identify {} coefficients", n, q));
    if (q > 0) {
        Eigen::MatrixXd Xf(n, q);
        for (Eigen::Index k = 0; k < q; ++k) Xf.col(k) = X.col(free_cols[static_cast<std::size_t>(k)]);
        Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(Xf);
        if (qr.rank() < q) {
            const auto col = free_cols[static_cast<std::size_t>(qr.colsPermutation().indices()[qr.rank()])];
            throw config_error(
                fmt::format("logistic regression: X does not have full column rank ({} of {}): column {} is a linear "
                            "combination of the others",
                            qr.rank(), q, col));
        }
    }
    // The objective: log-likelihood minus the ridge penalty.
    auto objective = [&](const Eigen::VectorXd& eta, const Eigen::VectorXd& b) {
        return log_likelihood(eta, y) - 0.5 * (penalty.array() * b.array().square()).sum();
    };

    logistic_fit f;
    Eigen::VectorXd b = Eigen::VectorXd::Zero(p);
    Eigen::VectorXd eta = X * b;
    double ll = objective(eta, b);
    Eigen::VectorXd prob(n), w(n);
    bool stalled = false;  // the likelihood stopped rising while coefficients still move
    for (int it = 0; it < options.max_iterations; ++it) {
        for (Eigen::Index i = 0; i < n; ++i) {
            prob[i] = sigmoid(eta[i]);
            w[i] = prob[i] * (1 - prob[i]);
        }
        const Eigen::VectorXd grad = X.transpose() * (y - prob) - penalty.cwiseProduct(b);
        Eigen::MatrixXd info = X.transpose() * w.asDiagonal() * X;
        info.diagonal() += penalty;
        const Eigen::LDLT<Eigen::MatrixXd> ldlt(info);
        Eigen::VectorXd delta = ldlt.solve(grad);
        if (ldlt.info() != Eigen::Success || !delta.allFinite()) {
            stalled = true;  // weights vanished: fitted probabilities are 0 or 1
            break;
        }
        // Step halving: never accept a step that lowers the likelihood.
        double t = 1;
        Eigen::VectorXd nb = b + delta;
        Eigen::VectorXd neta = X * nb;
        double nll = objective(neta, nb);
        for (int h = 0; h < 50 && !(nll >= ll - 1e-12 * (1 + std::abs(ll))); ++h) {
            t *= 0.5;
            nb = b + t * delta;
            neta = X * nb;
            nll = objective(neta, nb);
        }
        double change = 0;
        for (Eigen::Index k = 0; k < p; ++k) change = std::max(change, std::abs(t * delta[k]) / (1 + std::abs(nb[k])));
        const double gain = nll - ll;
        b = nb;
        eta = neta;
        ll = nll;
        f.iterations = it + 1;
        if (change < options.tolerance) {
            f.converged = true;
            break;
        }
        // Separation: coefficients still move by a visible amount while the
        // likelihood no longer changes, and some fits are numerically 0 or 1.
        if (change > 1e-6 && gain < 1e-13 * (1 + std::abs(ll)) && eta.cwiseAbs().maxCoeff() > 30) {
            stalled = true;
            break;
        }
    }
    f.params = b;
    f.log_likelihood = log_likelihood(eta, y);
    f.separation = !f.converged && (stalled || eta.cwiseAbs().maxCoeff() > 30);
    for (Eigen::Index i = 0; i < n; ++i) {
        prob[i] = sigmoid(eta[i]);
        w[i] = prob[i] * (1 - prob[i]);
    }
    Eigen::MatrixXd info = X.transpose() * w.asDiagonal() * X;
    info.diagonal() += penalty;
    const Eigen::LDLT<Eigen::MatrixXd> ldlt(info);
    f.cov = ldlt.solve(Eigen::MatrixXd::Identity(p, p));
    if (ldlt.info() != Eigen::Success || !f.cov.allFinite()) f.cov.setConstant(p, p, nan_v);
    f.bse.resize(p);
    for (Eigen::Index k = 0; k < p; ++k) f.bse[k] = f.cov(k, k) >= 0 ? std::sqrt(f.cov(k, k)) : nan_v;
    return f;
}

// ---------------------------------------------------------------------------
// Windows

uplift_windows build_uplift_windows(const uplift_history& h, const journey& j, const uplift_options& options) {
    validate(options);
    const std::size_t n = h.ids.size();
    const std::size_t E = h.entry_member.size(), C = h.contact_source.size();
    if (h.entry_stage.size() != E || h.entry_time.size() != E)
        throw config_error("stage history: member, stage and timestamp columns differ in length");
    if (h.contact_target.size() != C || h.contact_time.size() != C)
        throw config_error("contacts: source, target and timestamp columns differ in length");
    if (E == 0) throw config_error("the stage history (stages.csv) has no rows: there is nothing to learn from");
    const std::size_t S = j.stage_count();
    for (std::size_t i = 0; i < E; ++i) {
        if (h.entry_member[i] >= n) throw config_error(fmt::format("stage history row {}: member out of range", i));
        if (h.entry_stage[i] >= S)
            throw config_error(fmt::format("stage history row {}: stage {} out of range (journey has {} stages)", i,
                                           h.entry_stage[i], S));
        if (auto problem = time_problem(h.entry_time[i]); !problem.empty())
            throw config_error(fmt::format("stage history row {}: {}", i, problem));
    }
    for (std::size_t i = 0; i < C; ++i) {
        if (h.contact_source[i] >= n || h.contact_target[i] >= n)
            throw config_error(fmt::format("contacts row {}: member out of range", i));
        if (auto problem = time_problem(h.contact_time[i]); !problem.empty())
            throw config_error(fmt::format("contacts row {}: {}", i, problem));
    }

    uplift_windows out;
    out.window_seconds = options.window_days * day_seconds;
    const double W = out.window_seconds;
    double first = h.entry_time[0], last = h.entry_time[0];
    for (const double t : h.entry_time) {
        first = std::min(first, t);
        last = std::max(last, t);
    }
    for (const double t : h.contact_time) last = std::max(last, t);
    out.origin = options.origin.value_or(first);
    out.data_end = last;
    const double origin = out.origin;
    std::size_t K = 0;
    if (last >= origin + W) {
        // Decided before any work: the grid and the member-windows it makes
        // stay within what the history can justify.
        const double grid = std::floor((last - origin) / W);
        if (grid > static_cast<double>(max_uplift_windows))
            throw config_error(
                fmt::format("window_days: {} days make {:.3g} windows between the origin and the last "
                            "event (at most {}); use a longer window or a later origin",
                            options.window_days, grid, max_uplift_windows));
        K = static_cast<std::size_t>(grid);
        while (origin + static_cast<double>(K + 1) * W <= last) ++K;
        while (K > 0 && origin + static_cast<double>(K) * W > last) --K;
    }
    out.grid_windows = K;
    {
        // Member-windows: every member with a stage entry, from the window
        // of its first entry to the end of the grid.
        std::vector<double> first_entry(n, std::numeric_limits<double>::infinity());
        for (std::size_t i = 0; i < E; ++i)
            first_entry[h.entry_member[i]] = std::min(first_entry[h.entry_member[i]], h.entry_time[i]);
        double total = 0;
        for (const double t : first_entry)
            if (std::isfinite(t)) total += static_cast<double>(K) - (t > origin ? std::floor((t - origin) / W) : 0.0);
        if (total > static_cast<double>(max_uplift_member_windows))
            throw config_error(
                fmt::format("window_days: {} days make {:.3g} member-windows (at most {}); use a "
                            "longer window or a later origin",
                            options.window_days, total, max_uplift_member_windows));
    }

    std::vector<std::uint32_t> stage32(h.entry_stage.begin(), h.entry_stage.end());
    const member_events entries = group(n, h.entry_member, h.entry_time, stage32);
    // Contacts of each member, both directions.
    std::vector<std::uint32_t> who, partner;
    std::vector<double> when;
    who.reserve(2 * C);
    partner.reserve(2 * C);
    when.reserve(2 * C);
    for (std::size_t i = 0; i < C; ++i) {
        const std::uint32_t a = h.contact_source[i], b = h.contact_target[i];
        if (a == b) {
            ++out.self_contacts;
            continue;
        }
        who.push_back(a);
        partner.push_back(b);
        when.push_back(h.contact_time[i]);
        who.push_back(b);
        partner.push_back(a);
        when.push_back(h.contact_time[i]);
    }
    const member_events contacts = group(n, who, when, partner);

    for (std::uint32_t u = 0; u < n; ++u) {
        const std::size_t eb = entries.offset[u], ee = entries.offset[u + 1];
        if (eb == ee) continue;
        std::size_t k0 = 0;
        if (entries.time[eb] > origin) k0 = static_cast<std::size_t>(std::floor((entries.time[eb] - origin) / W));
        for (std::size_t k = k0; k < K; ++k) {
            const double start = origin + static_cast<double>(k) * W;
            const double end = origin + static_cast<double>(k + 1) * W;
            const std::uint32_t s = stage_at(entries, u, start);
            if (s == no_stage || s + 1 >= S) continue;
            // Outcome: the first entry into a stage > s within [start, end).
            double stop = end;
            bool advanced = false;
            auto it = std::lower_bound(entries.time.begin() + static_cast<std::ptrdiff_t>(eb),
                                       entries.time.begin() + static_cast<std::ptrdiff_t>(ee), start);
            for (auto p = static_cast<std::size_t>(it - entries.time.begin()); p < ee && entries.time[p] < end; ++p)
                if (entries.value[p] > s) {
                    advanced = true;
                    stop = entries.time[p];
                    break;
                }
            std::uint32_t count = 0;
            const std::size_t cb = contacts.offset[u], ce = contacts.offset[u + 1];
            auto ct = std::lower_bound(contacts.time.begin() + static_cast<std::ptrdiff_t>(cb),
                                       contacts.time.begin() + static_cast<std::ptrdiff_t>(ce), start);
            for (auto p = static_cast<std::size_t>(ct - contacts.time.begin()); p < ce && contacts.time[p] < stop; ++p)
                if (stage_at(entries, contacts.value[p], contacts.time[p]) == s + 1) ++count;
            out.windows.push_back({u, static_cast<stage_index>(s), static_cast<std::uint32_t>(k), count, advanced});
        }
    }
    return out;
}

// ---------------------------------------------------------------------------
// Estimates

uplift_result estimate_uplift(const uplift_history& h, const journey& j, const uplift_options& options) {
    validate(options);
    bool use_contacts = false, use_activity = false;
    for (const auto& c : options.covariates) {
        use_contacts = use_contacts || c == "contacts";
        use_activity = use_activity || c == "activity";
    }
    if (use_activity && h.activity.size() != h.ids.size())
        throw config_error("covariate 'activity' needs members.csv with an activity column");
    const uplift_windows win = build_uplift_windows(h, j, options);
    uplift_result r;
    r.origin = win.origin;
    r.window_days = options.window_days;
    r.data_end = win.data_end;
    r.self_contacts = win.self_contacts;
    const std::size_t S = j.stage_count();
    std::vector<std::vector<std::size_t>> by_step(S - 1);
    for (std::size_t i = 0; i < win.windows.size(); ++i) by_step[win.windows[i].from].push_back(i);

    for (std::size_t s = 0; s + 1 < S; ++s) {
        uplift_step st;
        st.from = static_cast<stage_index>(s);
        st.to = static_cast<stage_index>(s + 1);
        st.terms = {"const", "treated"};
        for (const auto& c : options.covariates) st.terms.push_back(c);
        const auto& rows = by_step[s];
        st.windows = rows.size();
        std::vector<std::uint32_t> members;
        double contact_sum = 0, activity_sum = 0;
        for (const auto i : rows) {
            const uplift_window& w = win.windows[i];
            members.push_back(w.member);
            const bool treated = w.contacts > 0;
            st.treated += treated;
            st.advanced += w.advanced;
            st.treated_advanced += treated && w.advanced;
            contact_sum += w.contacts;
            if (use_activity) {
                const double a = h.activity[w.member];
                if (std::isnan(a))
                    throw config_error(
                        fmt::format("covariate 'activity': member '{}' has windows but no activity in members.csv",
                                    h.ids[w.member]));
                activity_sum += a;
            }
        }
        std::sort(members.begin(), members.end());
        st.members = static_cast<std::size_t>(std::unique(members.begin(), members.end()) - members.begin());
        const std::size_t untreated = st.windows - st.treated;
        st.base_rate =
            untreated ? static_cast<double>(st.advanced - st.treated_advanced) / static_cast<double>(untreated) : nan_v;
        st.treated_rate =
            st.treated ? static_cast<double>(st.treated_advanced) / static_cast<double>(st.treated) : nan_v;
        st.mean_contacts = st.treated ? contact_sum / static_cast<double>(st.treated) : nan_v;
        st.odds_ratio = st.odds_ratio_low = st.odds_ratio_high = st.p_value = nan_v;
        st.lift = st.lift_low = st.lift_high = nan_v;
        st.base = untreated ? -std::log1p(-st.base_rate) : nan_v;

        if (st.windows == 0) st.status = "no_windows";
        else if (st.treated == 0) st.status = "no_treated";
        else if (untreated == 0) st.status = "all_treated";
        else {
            const auto p = static_cast<Eigen::Index>(st.terms.size());
            Eigen::MatrixXd X(static_cast<Eigen::Index>(rows.size()), p);
            Eigen::VectorXd y(static_cast<Eigen::Index>(rows.size()));
            for (std::size_t r2 = 0; r2 < rows.size(); ++r2) {
                const uplift_window& w = win.windows[rows[r2]];
                const auto i = static_cast<Eigen::Index>(r2);
                X(i, 0) = 1;
                X(i, 1) = w.contacts > 0 ? 1 : 0;
                Eigen::Index c = 2;
                for (const auto& cov : options.covariates)
                    X(i, c++) = cov == "contacts" ? static_cast<double>(w.contacts) : h.activity[w.member];
                y[i] = w.advanced ? 1 : 0;
            }
            bool rank_ok = true;
            try {
                st.fit = logistic_regression(X, y, options.fit);
            } catch (const config_error&) {
                rank_ok = false;  // finite 0/1 data of full size: only the rank can fail
            }
            if (!rank_ok) st.status = "rank_deficient";
            else if (st.fit.separation) st.status = "separation";
            else if (!st.fit.converged) st.status = "not_converged";
            else st.status = "ok";
            st.converged = rank_ok && st.fit.converged;
            if (st.status == "ok") {
                const Eigen::VectorXd& b = st.fit.params;
                const double b1 = b[1], se1 = st.fit.bse[1];
                st.odds_ratio = std::exp(b1);
                st.odds_ratio_low = std::exp(b1 - z_975 * se1);
                st.odds_ratio_high = std::exp(b1 + z_975 * se1);
                st.p_value = std::erfc(std::abs(b1 / se1) / std::sqrt(2.0));
                const double m = st.mean_contacts;
                const double abar = activity_sum / static_cast<double>(st.windows);
                Eigen::VectorXd x0 = Eigen::VectorXd::Zero(p), x1 = Eigen::VectorXd::Zero(p);
                x0[0] = x1[0] = 1;
                x1[1] = 1;
                Eigen::Index c = 2;
                for (const auto& cov : options.covariates) {
                    if (cov == "contacts") x1[c] = m;
                    else x0[c] = x1[c] = abar;
                    ++c;
                }
                const double eta0 = x0.dot(b), eta1 = x1.dot(b);
                st.base = softplus(eta0);
                st.lift = (softplus(eta1) - softplus(eta0)) / m;
                const Eigen::VectorXd g = (sigmoid(eta1) * x1 - sigmoid(eta0) * x0) / m;
                const double var = g.dot(st.fit.cov * g);
                const double half = var >= 0 ? z_975 * std::sqrt(var) : nan_v;
                st.lift_low = st.lift - half;
                st.lift_high = st.lift + half;
            }
        }
        st.base_round = options.round_days ? st.base * *options.round_days / options.window_days : nan_v;
        r.steps.push_back(std::move(st));
    }
    return r;
}

uplift_result estimate_uplift(const std::filesystem::path& interactions, const std::filesystem::path& stages,
                              const journey& j, const uplift_options& options,
                              const std::optional<std::filesystem::path>& members) {
    validate(options);
    const uplift_history h = read_uplift_history(interactions, stages, j, members);
    return estimate_uplift(h, j, options);
}

}  // namespace engage_right
