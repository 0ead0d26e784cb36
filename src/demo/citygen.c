/*
 * citygen.c — the street network of the example municipality (see citygen.h).
 *
 * Layout: rows and columns of intersections with irregular spacing and jittered vertices;
 * every main_every-th row and column is a main road.  Streets between neighbouring
 * intersections become edges, a few are left out (irregular blocks), a few cells get a
 * diagonal footpath.  A river runs west to east and a railway south to north; an edge that
 * comes near either is left out unless it is one of the few bridges or underpasses.
 */
#include "demo/citygen.h"

#include <math.h>
#include <string.h>

#include "common/prng.h"

#define CITY_PI 3.14159265358979323846

/* Street geometry, metres. */
#define SPACING_MIN 60.0
#define SPACING_RANGE 100.0
#define JITTER 12.0
#define MAIN_JITTER 3.0
#define MAIN_EVERY 6
#define REMOVE_SHARE 0.12
#define DIAGONAL_SHARE 0.05
#define PATH_SHARE 0.05
#define STREET_SECTION 16		/* a street changes name every so many blocks */
#define MAIN_SECTION 48

/* Barriers, metres. */
#define LINE_STEP 20.0
#define LINE_OVERHANG 300.0
#define BARRIER_MARGIN 12.0
#define CROSSING_MARGIN 0.5
#define CROSSING_CLEARANCE 250.0

/* Edges per grid cell after removals, used to size the grid for the target. */
#define EDGES_PER_CELL 1.81

/* Per-vertex flags. */
#define FLAG_BRIDGE_UP 1		/* the edge to the vertex above is a bridge */
#define FLAG_UNDERPASS_RIGHT 2	/* the edge to the vertex to the right is an underpass */
#define FLAG_NEAR_CROSSING 4	/* an end of a bridge or underpass */

/* Random streams: one per kind of decision, so that decisions never share numbers. */
enum
{
	STREAM_ROW_SPACING = 0x5C17,
	STREAM_COL_SPACING,
	STREAM_JITTER_X,
	STREAM_JITTER_Y,
	STREAM_RIVER,
	STREAM_RAILWAY,
	STREAM_CROSSINGS,
	STREAM_REMOVE,
	STREAM_DIAGONAL,
	STREAM_PATH
};

static const char *const kind_names[SV_CITY_KIND_COUNT] = {
	"residential", "tertiary", "footway", "cycleway", "bridge", "underpass"
};

const char *
sv_city_kind_name(SvCityKind kind)
{
	if (kind < 0 || kind >= SV_CITY_KIND_COUNT)
		return "unknown";
	return kind_names[kind];
}

static double
rnd(const SvCity *city, uint64_t stream, uint64_t index)
{
	return sv_random_unit(city->config.seed, stream, index);
}

const char *
sv_city_config_problem(const SvCityConfig *config)
{
	if (config->target_edges < SV_CITY_MIN_EDGES)
		return "target_edges must be at least 100";
	if (config->target_edges > SV_CITY_MAX_EDGES)
		return "target_edges must be at most 2000000";
	if (!isfinite(config->origin_e) || !isfinite(config->origin_n))
		return "origin must be finite";
	if (fabs(config->origin_e) > SV_CITY_MAX_ORIGIN || fabs(config->origin_n) > SV_CITY_MAX_ORIGIN)
		return "origin must lie within 20000000 m of 0";
	return NULL;
}

/* ---- geometry helpers ---------------------------------------------------------------- */

static double
point_segment_distance(double px, double py, double ax, double ay, double bx, double by)
{
	double		dx = bx - ax;
	double		dy = by - ay;
	double		len2 = dx * dx + dy * dy;
	double		t = 0.0;

	if (len2 > 0.0)
	{
		t = ((px - ax) * dx + (py - ay) * dy) / len2;
		t = t < 0.0 ? 0.0 : (t > 1.0 ? 1.0 : t);
	}
	return hypot(px - (ax + t * dx), py - (ay + t * dy));
}

static double
orientation(double ax, double ay, double bx, double by, double cx, double cy)
{
	return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
}

static double
segment_distance(double ax, double ay, double bx, double by,
				 double cx, double cy, double dx, double dy)
{
	double		o1 = orientation(ax, ay, bx, by, cx, cy);
	double		o2 = orientation(ax, ay, bx, by, dx, dy);
	double		o3 = orientation(cx, cy, dx, dy, ax, ay);
	double		o4 = orientation(cx, cy, dx, dy, bx, by);
	double		d;

	if (((o1 < 0 && o2 > 0) || (o1 > 0 && o2 < 0)) &&
		((o3 < 0 && o4 > 0) || (o3 > 0 && o4 < 0)))
		return 0.0;
	d = point_segment_distance(ax, ay, cx, cy, dx, dy);
	d = fmin(d, point_segment_distance(bx, by, cx, cy, dx, dy));
	d = fmin(d, point_segment_distance(cx, cy, ax, ay, bx, by));
	return fmin(d, point_segment_distance(dx, dy, ax, ay, bx, by));
}

/*
 * Distance from segment a-b to a line sampled at a fixed step along one axis (x for the
 * river, y for the railway); only the samples near the segment are looked at.
 */
static double
line_distance(const SvCityLine *line, int along_y,
			  double ax, double ay, double bx, double by, double limit)
{
	const double *axis = along_y ? line->y : line->x;
	double		lo = along_y ? fmin(ay, by) : fmin(ax, bx);
	double		hi = along_y ? fmax(ay, by) : fmax(ax, bx);
	int64_t		first = (int64_t) floor((lo - limit - axis[0]) / LINE_STEP) - 1;
	int64_t		last = (int64_t) ceil((hi + limit - axis[0]) / LINE_STEP) + 1;
	double		best = INFINITY;

	if (first < 0)
		first = 0;
	if (last > line->n - 1)
		last = line->n - 1;
	for (int64_t i = first; i < last; i++)
	{
		double		d = segment_distance(ax, ay, bx, by,
										 line->x[i], line->y[i], line->x[i + 1], line->y[i + 1]);

		if (d < best)
			best = d;
	}
	return best;
}

static double
barrier_distance(const SvCity *city, double ax, double ay, double bx, double by, double limit)
{
	return fmin(line_distance(&city->river, 0, ax, ay, bx, by, limit),
				line_distance(&city->railway, 1, ax, ay, bx, by, limit));
}

/* ---- layout -------------------------------------------------------------------------- */

static void *
alloc_zero(const SvCityAllocator *allocator, size_t size)
{
	void	   *p = allocator->alloc(allocator->ctx, size);

	if (p)
		memset(p, 0, size);
	return p;
}

/* Cumulative irregular spacing, centred on origin. */
static void
lay_out_axis(const SvCity *city, uint64_t stream, int32_t n, double origin, double *pos)
{
	double		total;

	pos[0] = 0.0;
	for (int32_t i = 1; i < n; i++)
		pos[i] = pos[i - 1] + SPACING_MIN + SPACING_RANGE * rnd(city, stream, (uint64_t) i);
	total = pos[n - 1];
	for (int32_t i = 0; i < n; i++)
		pos[i] = round((pos[i] - total / 2.0 + origin) * 100.0) / 100.0;
}

/*
 * Sample a sine-wave barrier: along_y = 0 gives y(x) (the river), 1 gives x(y) (the railway).
 */
static int
lay_out_line(SvCity *city, const SvCityAllocator *allocator, SvCityLine *line, int along_y,
			 double from, double to, double base, double amp1, double len1, double amp2,
			 double len2, uint64_t stream)
{
	double		ph1 = 2.0 * CITY_PI * rnd(city, stream, 10);
	double		ph2 = 2.0 * CITY_PI * rnd(city, stream, 11);

	line->n = (int32_t) ceil((to - from) / LINE_STEP) + 1;
	line->x = allocator->alloc(allocator->ctx, sizeof(double) * line->n);
	line->y = allocator->alloc(allocator->ctx, sizeof(double) * line->n);
	if (!line->x || !line->y)
		return -1;
	for (int32_t i = 0; i < line->n; i++)
	{
		double		t = from + LINE_STEP * i;
		double		off = amp1 * sin(2.0 * CITY_PI * t / len1 + ph1) +
			amp2 * sin(2.0 * CITY_PI * t / len2 + ph2);
		double		v = round((base + off) * 100.0) / 100.0;

		line->x[i] = along_y ? v : t;
		line->y[i] = along_y ? t : v;
	}
	return 0;
}

static inline int32_t
vertex_index(const SvCity *city, int32_t r, int32_t c)
{
	return r * city->cols + c;
}

/*
 * Pick count crossings of a barrier, one per equal slot of the streets across it, main
 * roads near the slot's middle first.  across_rows = 0: bridges over the river on columns;
 * 1: underpasses under the railway on rows.  A crossing must stay clear of the other barrier.
 */
static int32_t
choose_crossings(SvCity *city, uint8_t *flags, int across_rows, int32_t count,
				 int32_t *line_of, int32_t *step_of)
{
	int32_t		lines = across_rows ? city->rows : city->cols;
	int32_t		steps = across_rows ? city->cols : city->rows;
	const SvCityLine *barrier = across_rows ? &city->railway : &city->river;
	const SvCityLine *other = across_rows ? &city->river : &city->railway;
	int32_t		found = 0;

	for (int32_t slot = 0; slot < count; slot++)
	{
		int32_t		lo = (int32_t) ((int64_t) slot * lines / count);
		int32_t		hi = (int32_t) ((int64_t) (slot + 1) * lines / count);
		double		centre = (lo + hi - 1) / 2.0 + (rnd(city, STREAM_CROSSINGS, slot + across_rows * 1000) - 0.5) * (hi - lo) / 2.0;
		double		best_score = INFINITY;
		int32_t		best_line = -1,
					best_step = -1;

		for (int32_t l = lo; l < hi; l++)
		{
			double		score = fabs(l - centre) + (l % city->main_every == 0 ? 0.0 : 1000.0);

			if (score >= best_score)
				continue;
			for (int32_t s = 0; s + 1 < steps; s++)
			{
				int32_t		a = across_rows ? vertex_index(city, l, s) : vertex_index(city, s, l);
				int32_t		b = across_rows ? vertex_index(city, l, s + 1) : vertex_index(city, s + 1, l);

				if (line_distance(barrier, across_rows, city->vx[a], city->vy[a],
								  city->vx[b], city->vy[b], 0.0) > 0.0)
					continue;
				if (line_distance(other, !across_rows, city->vx[a], city->vy[a],
								  city->vx[b], city->vy[b], CROSSING_CLEARANCE) < CROSSING_CLEARANCE)
					break;
				best_score = score;
				best_line = l;
				best_step = s;
				break;
			}
		}
		if (best_line >= 0)
		{
			int32_t		a = across_rows ? vertex_index(city, best_line, best_step) : vertex_index(city, best_step, best_line);
			int32_t		b = across_rows ? vertex_index(city, best_line, best_step + 1) : vertex_index(city, best_step + 1, best_line);

			flags[a] |= across_rows ? FLAG_UNDERPASS_RIGHT : FLAG_BRIDGE_UP;
			flags[a] |= FLAG_NEAR_CROSSING;
			flags[b] |= FLAG_NEAR_CROSSING;
			line_of[found] = best_line;
			step_of[found] = best_step;
			found++;
		}
	}
	return found;
}

int
sv_city_build(SvCity *city, const SvCityConfig *config, const SvCityAllocator *allocator)
{
	double		cells;
	double	   *row_y,
			   *col_x;
	double		width,
				height;
	int32_t		n;

	memset(city, 0, sizeof(*city));
	if (sv_city_config_problem(config) != NULL)
		return -1;
	city->config = *config;
	city->main_every = MAIN_EVERY;

	/* A slightly wide city: cols / rows is about 1.3. */
	cells = config->target_edges / EDGES_PER_CELL;
	city->rows = (int32_t) ceil(sqrt(cells / 1.3));
	city->cols = (int32_t) ceil(cells / city->rows);
	if (city->rows < 6)
		city->rows = 6;
	if (city->cols < 6)
		city->cols = 6;
	n = city->rows * city->cols;

	row_y = allocator->alloc(allocator->ctx, sizeof(double) * city->rows);
	col_x = allocator->alloc(allocator->ctx, sizeof(double) * city->cols);
	city->vx = allocator->alloc(allocator->ctx, sizeof(double) * n);
	city->vy = allocator->alloc(allocator->ctx, sizeof(double) * n);
	if (!row_y || !col_x || !city->vx || !city->vy)
		return -1;
	lay_out_axis(city, STREAM_ROW_SPACING, city->rows, config->origin_n, row_y);
	lay_out_axis(city, STREAM_COL_SPACING, city->cols, config->origin_e, col_x);

	/* Jitter every intersection; main roads stay straighter across their direction. */
	for (int32_t r = 0; r < city->rows; r++)
		for (int32_t c = 0; c < city->cols; c++)
		{
			int32_t		v = vertex_index(city, r, c);
			double		jx = c % MAIN_EVERY == 0 ? MAIN_JITTER : JITTER;
			double		jy = r % MAIN_EVERY == 0 ? MAIN_JITTER : JITTER;

			city->vx[v] = round((col_x[c] + (2.0 * rnd(city, STREAM_JITTER_X, v) - 1.0) * jx) * 100.0) / 100.0;
			city->vy[v] = round((row_y[r] + (2.0 * rnd(city, STREAM_JITTER_Y, v) - 1.0) * jy) * 100.0) / 100.0;
		}

	width = col_x[city->cols - 1] - col_x[0];
	height = row_y[city->rows - 1] - row_y[0];

	/* The river: off-centre, one long and one short meander. */
	if (lay_out_line(city, allocator, &city->river, 0,
					 col_x[0] - LINE_OVERHANG, col_x[city->cols - 1] + LINE_OVERHANG,
					 config->origin_n + (rnd(city, STREAM_RIVER, 0) - 0.5) * 0.25 * height,
					 (0.05 + 0.04 * rnd(city, STREAM_RIVER, 1)) * height,
					 (0.45 + 0.30 * rnd(city, STREAM_RIVER, 2)) * width,
					 0.015 * height, (0.12 + 0.06 * rnd(city, STREAM_RIVER, 3)) * width,
					 STREAM_RIVER) < 0)
		return -1;

	/* The railway: clearly east or west of the centre, gently curved. */
	if (lay_out_line(city, allocator, &city->railway, 1,
					 row_y[0] - LINE_OVERHANG, row_y[city->rows - 1] + LINE_OVERHANG,
					 config->origin_e + (rnd(city, STREAM_RAILWAY, 0) < 0.5 ? -1.0 : 1.0) *
					 (0.12 + 0.12 * rnd(city, STREAM_RAILWAY, 1)) * width,
					 0.03 * width, 1.5 * height, 0.0, 1.0, STREAM_RAILWAY) < 0)
		return -1;

	/* Four to six bridges and three or four underpasses; a few more in a very large city. */
	{
		uint8_t    *flags = alloc_zero(allocator, (size_t) n);
		int32_t		bridges = 4 + (int32_t) (3.0 * rnd(city, STREAM_CROSSINGS, 100000)) + city->cols / 150;
		int32_t		underpasses = 3 + (int32_t) (2.0 * rnd(city, STREAM_CROSSINGS, 100001)) + city->rows / 150;

		if (!flags)
			return -1;
		city->bridge_col = allocator->alloc(allocator->ctx, sizeof(int32_t) * bridges);
		city->bridge_row = allocator->alloc(allocator->ctx, sizeof(int32_t) * bridges);
		city->underpass_row = allocator->alloc(allocator->ctx, sizeof(int32_t) * underpasses);
		city->underpass_col = allocator->alloc(allocator->ctx, sizeof(int32_t) * underpasses);
		if (!city->bridge_col || !city->bridge_row || !city->underpass_row || !city->underpass_col)
			return -1;
		city->bridge_count = choose_crossings(city, flags, 0, bridges, city->bridge_col, city->bridge_row);
		city->underpass_count = choose_crossings(city, flags, 1, underpasses, city->underpass_row, city->underpass_col);
		/* Keep the flags with the city: the edge walk needs them (stored after the vertices). */
		allocator->release(allocator->ctx, row_y);
		allocator->release(allocator->ctx, col_x);
		city->flags = flags;
	}
	return 0;
}

/* ---- edges --------------------------------------------------------------------------- */

typedef struct EdgeWalk
{
	const SvCity *city;
	SvCityEmit	emit;
	void	   *ctx;
	int64_t		next_id;
} EdgeWalk;

/*
 * Offer the edge between vertices a and b: crossings always stay; other edges are left out
 * at random (except main roads) and when they come near the river or the railway.
 */
static int
offer_edge(EdgeWalk *walk, int32_t a, int32_t b, int direction, SvCityKind kind,
		   int32_t street, int32_t street_pos, int crossing)
{
	const SvCity *city = walk->city;
	uint64_t	key = (uint64_t) a * 4 + (uint64_t) direction;
	SvCityEdge	edge;

	if (!crossing)
	{
		int			near_crossing = (city->flags[a] | city->flags[b]) & FLAG_NEAR_CROSSING;
		double		margin = near_crossing ? CROSSING_MARGIN : BARRIER_MARGIN;

		if (kind == SV_CITY_RESIDENTIAL && !near_crossing &&
			rnd(city, STREAM_REMOVE, key) < REMOVE_SHARE)
			return 0;
		if (barrier_distance(city, city->vx[a], city->vy[a], city->vx[b], city->vy[b], margin) < margin)
			return 0;
	}
	edge.edge_id = walk->next_id++;
	edge.source = (int64_t) a + 1;
	edge.target = (int64_t) b + 1;
	edge.kind = kind;
	edge.street = street;
	edge.street_pos = street_pos;
	edge.x1 = city->vx[a];
	edge.y1 = city->vy[a];
	edge.x2 = city->vx[b];
	edge.y2 = city->vy[b];
	return walk->emit(walk->ctx, &edge);
}

/* Some residential blocks are crossed by a footpath or cycle path instead of a street. */
static SvCityKind
street_kind(const SvCity *city, int main_road, uint64_t key)
{
	double		u;

	if (main_road)
		return SV_CITY_TERTIARY;
	u = rnd(city, STREAM_PATH, key);
	if (u < PATH_SHARE * 0.7)
		return SV_CITY_FOOTWAY;
	if (u < PATH_SHARE)
		return SV_CITY_CYCLEWAY;
	return SV_CITY_RESIDENTIAL;
}

/*
 * Streets are named in sections, so that house numbers stay small: the street of a row (or
 * column) changes every STREET_SECTION blocks, a main road every MAIN_SECTION.  Ids: rows
 * from 1, columns from 2,000,001; line * 1000 + section.  Paths have none (0).
 */
static int32_t
street_id(SvCityKind kind, int vertical, int32_t line, int32_t along)
{
	int32_t		section = along / (kind == SV_CITY_TERTIARY ? MAIN_SECTION : STREET_SECTION);

	if (kind == SV_CITY_FOOTWAY || kind == SV_CITY_CYCLEWAY)
		return 0;
	return 1 + (vertical ? 2000000 : 0) + line * 1000 + section;
}

static int32_t
street_position(SvCityKind kind, int32_t along)
{
	return along % (kind == SV_CITY_TERTIARY ? MAIN_SECTION : STREET_SECTION);
}

int
sv_city_edges(const SvCity *city, SvCityEmit emit, void *ctx)
{
	EdgeWalk	walk = {city, emit, ctx, 1};
	int			rc;

	for (int32_t r = 0; r < city->rows; r++)
		for (int32_t c = 0; c < city->cols; c++)
		{
			int32_t		v = vertex_index(city, r, c);

			if (c + 1 < city->cols)
			{
				int			crossing = city->flags[v] & FLAG_UNDERPASS_RIGHT;
				SvCityKind	kind = crossing ? SV_CITY_UNDERPASS :
					street_kind(city, r % city->main_every == 0, (uint64_t) v * 4);

				rc = offer_edge(&walk, v, vertex_index(city, r, c + 1), 0, kind,
								street_id(kind, 0, r, c), street_position(kind, c), crossing);
				if (rc)
					return rc;
			}
			if (r + 1 < city->rows)
			{
				int			crossing = city->flags[v] & FLAG_BRIDGE_UP;
				SvCityKind	kind = crossing ? SV_CITY_BRIDGE :
					street_kind(city, c % city->main_every == 0, (uint64_t) v * 4 + 1);

				rc = offer_edge(&walk, v, vertex_index(city, r + 1, c), 1, kind,
								street_id(kind, 1, c, r), street_position(kind, r), crossing);
				if (rc)
					return rc;
			}
			if (r + 1 < city->rows && c + 1 < city->cols &&
				rnd(city, STREAM_DIAGONAL, (uint64_t) v * 2) < DIAGONAL_SHARE)
			{
				/* Diagonal paths across a block, in either direction. */
				int			rising = rnd(city, STREAM_DIAGONAL, (uint64_t) v * 2 + 1) < 0.5;
				int32_t		a = rising ? v : vertex_index(city, r, c + 1);
				int32_t		b = rising ? vertex_index(city, r + 1, c + 1) : vertex_index(city, r + 1, c);
				SvCityKind	kind = rnd(city, STREAM_PATH, (uint64_t) v * 4 + 2) < 0.7 ?
					SV_CITY_FOOTWAY : SV_CITY_CYCLEWAY;

				rc = offer_edge(&walk, a, b, 2, kind, 0, 0, 0);
				if (rc)
					return rc;
			}
		}
	return 0;
}

void
sv_city_free(SvCity *city, const SvCityAllocator *allocator)
{
	void	   *blocks[] = {city->vx, city->vy, city->flags, city->river.x, city->river.y,
		city->railway.x, city->railway.y, city->bridge_col, city->bridge_row,
	city->underpass_row, city->underpass_col};

	for (size_t i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++)
		if (blocks[i])
			allocator->release(allocator->ctx, blocks[i]);
	memset(city, 0, sizeof(*city));
}
