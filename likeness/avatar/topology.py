"""Mesh connectivity: the face's triangles recovered from MediaPipe's edge list, boundary loops,
and Loop subdivision as a sparse matrix (so morph targets subdivide with the same weights as
the positions they move)."""

from __future__ import annotations

from collections import defaultdict, deque
from functools import lru_cache

import numpy as np
from scipy import sparse


@lru_cache(maxsize=1)
def face_triangles() -> np.ndarray:
    """(852, 3) int32 triangles of the 468-point face mesh, wound counter-clockwise seen from
    the front (+z), recovered from the 3-cycles of ``FACEMESH_TESSELATION``."""
    from mediapipe.python.solutions.face_mesh_connections import FACEMESH_TESSELATION

    neighbours: dict[int, set[int]] = defaultdict(set)
    for a, b in FACEMESH_TESSELATION:
        neighbours[a].add(b)
        neighbours[b].add(a)
    cycles = {
        tuple(sorted((a, b, c)))
        for a in neighbours
        for b in neighbours[a]
        for c in neighbours[a] & neighbours[b]
    }
    uses: dict[tuple[int, int], int] = defaultdict(int)
    for tri in cycles:
        for edge in _edges(tri):
            uses[edge] += 1
    # A 3-cycle whose every edge already borders two real faces is a hole in the fan, not a face.
    faces = [t for t in cycles if not all(uses[e] > 2 for e in _edges(t))]
    from likeness.rig import neutral_m

    behind = np.array([0.0, 0.0, -1.0])  # so that "outward" is toward the camera
    return orient_outward(neutral_m()[:468], np.array(sorted(faces), dtype=np.int32), behind)


def _edges(tri) -> tuple[tuple[int, int], ...]:
    """The three undirected edges of a triangle, each as (low, high)."""
    a, b, c = sorted(tri)
    return (a, b), (b, c), (a, c)


def _orient(triangles: np.ndarray) -> np.ndarray:
    """Wind every triangle consistently with its neighbours (breadth-first over shared edges)."""
    by_edge: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i, tri in enumerate(triangles):
        for edge in _edges(tri):
            by_edge[edge].append(i)
    out = triangles.copy()
    seen = np.zeros(len(out), bool)
    for start in range(len(out)):
        if seen[start]:
            continue
        seen[start] = True
        queue = deque([start])
        while queue:
            i = queue.popleft()
            directed = {(out[i][k], out[i][(k + 1) % 3]) for k in range(3)}
            for edge in _edges(out[i]):
                for j in by_edge[edge]:
                    if seen[j]:
                        continue
                    # Neighbours must traverse the shared edge in the opposite direction.
                    if any((out[j][k], out[j][(k + 1) % 3]) in directed for k in range(3)):
                        out[j] = out[j][::-1]
                    seen[j] = True
                    queue.append(j)
    return out


def orient_outward(points: np.ndarray, triangles: np.ndarray, center: np.ndarray) -> np.ndarray:
    """Wind ``triangles`` consistently, facing away from ``center`` (3,) on the whole."""
    triangles = _orient(triangles)
    corners = points[triangles]
    normals = np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0])
    outward = np.einsum("ij,ij->", normals, corners.mean(axis=1) - center)
    return triangles if outward > 0 else triangles[:, ::-1].copy()


def boundary_loops(triangles: np.ndarray) -> list[np.ndarray]:
    """Closed boundary loops of a mesh, each an ordered vertex array following the winding."""
    directed = [(int(t[k]), int(t[(k + 1) % 3])) for t in triangles for k in range(3)]
    uses: dict[tuple[int, int], int] = defaultdict(int)
    for a, b in directed:
        uses[(min(a, b), max(a, b))] += 1
    following = {a: b for a, b in directed if uses[(min(a, b), max(a, b))] == 1}
    loops = []
    while following:
        start, node = following.popitem()
        loop = [start]
        while node != start:
            loop.append(node)
            node = following.pop(node)
        loops.append(np.array(loop, dtype=np.int32))
    return loops


def loop_subdivision(n_points: int, triangles: np.ndarray) -> tuple[sparse.csr_matrix, np.ndarray]:
    """One level of Loop subdivision, with boundaries kept as cubic B-spline curves.

    Parameters
    ----------
    n_points : int
        Vertices of the coarse mesh.
    triangles : ndarray, int, shape (m, 3)

    Returns
    -------
    matrix : scipy.sparse.csr_matrix, shape (n_points + n_edges, n_points)
        ``matrix @ values`` gives the fine mesh's vertex values (positions, morph deltas...).
    fine_triangles : ndarray, int32, shape (4 m, 3)
    """
    edge_ids: dict[tuple[int, int], int] = {}
    opposite: dict[tuple[int, int], list[int]] = defaultdict(list)
    for tri in triangles:
        for k in range(3):
            a, b, c = int(tri[k]), int(tri[(k + 1) % 3]), int(tri[(k + 2) % 3])
            key = (min(a, b), max(a, b))
            if key not in edge_ids:
                edge_ids[key] = n_points + len(edge_ids)
            opposite[key].append(c)
    rows, cols, vals = [], [], []

    def put(row: int, col: int, value: float) -> None:
        rows.append(row)
        cols.append(col)
        vals.append(value)

    neighbours: dict[int, set[int]] = defaultdict(set)
    boundary_neighbours: dict[int, list[int]] = defaultdict(list)
    for (a, b), row in edge_ids.items():
        neighbours[a].add(b)
        neighbours[b].add(a)
        if len(opposite[(a, b)]) == 1:
            boundary_neighbours[a].append(b)
            boundary_neighbours[b].append(a)
            put(row, a, 0.5)
            put(row, b, 0.5)
        else:
            put(row, a, 3 / 8)
            put(row, b, 3 / 8)
            for c in opposite[(a, b)][:2]:
                put(row, c, 1 / 8)
    for v in range(n_points):
        if v in boundary_neighbours:
            put(v, v, 3 / 4)
            for u in boundary_neighbours[v][:2]:
                put(v, u, 1 / 8)
        elif neighbours[v]:
            n = len(neighbours[v])
            beta = (5 / 8 - (3 / 8 + np.cos(2 * np.pi / n) / 4) ** 2) / n
            put(v, v, 1 - n * beta)
            for u in neighbours[v]:
                put(v, u, beta)
        else:
            put(v, v, 1.0)
    matrix = sparse.csr_matrix((vals, (rows, cols)), shape=(n_points + len(edge_ids), n_points))
    fine = []
    for tri in triangles:
        a, b, c = (int(x) for x in tri)
        ab, bc, ca = (edge_ids[(min(x, y), max(x, y))] for x, y in ((a, b), (b, c), (c, a)))
        fine += [(a, ab, ca), (ab, b, bc), (ca, bc, c), (ab, bc, ca)]
    return matrix, np.array(fine, dtype=np.int32)


def vertex_face_incidence(n_points: int, triangles: np.ndarray) -> sparse.csr_matrix:
    """(n_points, n_triangles) 0/1 matrix: which triangles each vertex belongs to."""
    n_tri = len(triangles)
    return sparse.csr_matrix(
        (np.ones(3 * n_tri), (np.asarray(triangles).ravel(), np.repeat(np.arange(n_tri), 3))),
        shape=(n_points, n_tri),
    )


def vertex_normals(
    positions: np.ndarray, triangles: np.ndarray, incidence: sparse.csr_matrix | None = None
) -> np.ndarray:
    """(n, 3) float32 unit normals: area-weighted sums of the adjacent faces' normals."""
    if incidence is None:
        incidence = vertex_face_incidence(len(positions), triangles)
    corners = positions[triangles]
    face = np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0])
    normals = incidence @ face
    length = np.linalg.norm(normals, axis=1, keepdims=True)
    return (normals / np.maximum(length, 1e-12)).astype(np.float32)


def stitch(rows: list[np.ndarray], *, wrap: bool = True, loop: bool = False) -> np.ndarray:
    """Triangles (m, 3) joining consecutive rows of vertex indices quad by quad; ``wrap`` closes
    each row on itself, ``loop`` joins the last row back to the first."""
    pairs = list(zip(rows[:-1], rows[1:], strict=True)) + ([(rows[-1], rows[0])] if loop else [])
    triangles = []
    for inner, outer in pairs:
        n = len(inner)
        for k in range(n if wrap else n - 1):
            a, b, c, d = inner[k], inner[(k + 1) % n], outer[(k + 1) % n], outer[k]
            triangles += [(a, b, c), (a, c, d)]
    return np.array(triangles, dtype=np.int64)


def fan(apex: int, ring: np.ndarray) -> np.ndarray:
    """Triangles (n, 3) closing a ring of vertex indices onto one apex vertex."""
    return np.array([(apex, ring[k], ring[(k + 1) % len(ring)]) for k in range(len(ring))])
