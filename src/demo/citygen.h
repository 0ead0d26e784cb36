/*
 * citygen.h — the street network of the built-in example municipality.
 *
 * An irregular grid of streets and footpaths, cut east-west by a sinuous river with a few
 * bridges and north-south by a railway with a few underpasses, so that straight-line and
 * walking distances disagree the way they do in a real city.  Everything depends only on
 * the seed and the size (randomness from common/prng.h, never call order).  Pure C: no
 * PostgreSQL headers; memory comes from the caller's allocator.
 */
#ifndef SKOLVAL_CITYGEN_H
#define SKOLVAL_CITYGEN_H

#include <stddef.h>
#include <stdint.h>

#define SV_CITY_MIN_EDGES 100
#define SV_CITY_MAX_EDGES 2000000
/* Largest |origin| in metres: every projected metric system fits (half the equator is 20,037 km). */
#define SV_CITY_MAX_ORIGIN 20000000.0

typedef enum SvCityKind
{
	SV_CITY_RESIDENTIAL,
	SV_CITY_TERTIARY,
	SV_CITY_FOOTWAY,
	SV_CITY_CYCLEWAY,
	SV_CITY_BRIDGE,
	SV_CITY_UNDERPASS,
	SV_CITY_KIND_COUNT
} SvCityKind;

typedef struct SvCityConfig
{
	uint64_t	seed;
	int32_t		target_edges;	/* SV_CITY_MIN_EDGES .. SV_CITY_MAX_EDGES */
	double		origin_e;		/* centre of the city, metres east */
	double		origin_n;		/* centre of the city, metres north */
} SvCityConfig;

typedef struct SvCityEdge
{
	int64_t		edge_id;
	int64_t		source;
	int64_t		target;
	SvCityKind	kind;
	int32_t		street;			/* street (section) id, see street_id(); 0 for paths */
	int32_t		street_pos;		/* position of the block along the street section */
	double		x1,
				y1,
				x2,
				y2;
} SvCityEdge;

/* A polyline: the river (west to east) or the railway (south to north). */
typedef struct SvCityLine
{
	int32_t		n;
	double	   *x;
	double	   *y;
} SvCityLine;

typedef struct SvCityAllocator
{
	void	   *(*alloc) (void *ctx, size_t size);
	void		(*release) (void *ctx, void *ptr);
	void	   *ctx;
} SvCityAllocator;

typedef struct SvCity
{
	SvCityConfig config;
	int32_t		rows;
	int32_t		cols;
	int32_t		main_every;		/* every main_every-th row and column is a main road */
	double	   *vx;				/* vertex positions, rows * cols, row-major */
	double	   *vy;
	uint8_t    *flags;			/* per vertex: bridge or underpass starts here, near one */
	SvCityLine	river;
	SvCityLine	railway;
	int32_t		bridge_count;
	int32_t    *bridge_col;		/* bridge i spans (bridge_row[i], col) - (row + 1, col) */
	int32_t    *bridge_row;
	int32_t		underpass_count;
	int32_t    *underpass_row;	/* underpass i spans (row, col) - (row, col + 1) */
	int32_t    *underpass_col;
} SvCity;

/*
 * Called for every edge, in edge_id order; a non-zero return stops the walk and is returned
 * by sv_city_edges().  The glue uses it to check for interrupts.
 */
typedef int (*SvCityEmit) (void *ctx, const SvCityEdge *edge);

/* NULL when the configuration is usable, else what is wrong with it. */
const char *sv_city_config_problem(const SvCityConfig *config);

/* Lay out the city; returns 0, or -1 when the configuration is bad or allocation failed. */
int			sv_city_build(SvCity *city, const SvCityConfig *config, const SvCityAllocator *allocator);

/* Walk every edge of a built city through emit; returns 0 or emit's first non-zero value. */
int			sv_city_edges(const SvCity *city, SvCityEmit emit, void *ctx);

void		sv_city_free(SvCity *city, const SvCityAllocator *allocator);

/* 'residential', 'tertiary', 'footway', 'cycleway', 'bridge', 'underpass'. */
const char *sv_city_kind_name(SvCityKind kind);

#endif
