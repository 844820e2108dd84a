"""What each plant makes: one product in plants.csv, or several in plant_products.csv.

A product's output is ``yield x (sum of the feedstock's basis columns)`` t per
t fed: the basis is one numeric feedstocks.csv column (``reo_share``) or a
``+``-sum of them (``nd_share+pr_share``). A plant with rows in
plant_products.csv makes each of those products; a plant without makes the one
product of its plants.csv row (the single-product columns work as they always did).
"""

from __future__ import annotations

import pandas as pd

PRODUCT_COLUMNS = ("site_id", "product", "yield_basis", "yield", "value_gbp_per_t")
SINGLE = {"product": "product", "yield_basis": "yield_basis", "yield": "yield",
          "product_value_gbp_per_t": "value_gbp_per_t"}  # plants.csv -> plant_products.csv


def basis_columns(basis: str) -> list[str]:
    """The feedstock columns a yield basis adds up (``"nd_share+pr_share"`` -> two)."""
    return [part.strip() for part in str(basis).split("+") if part.strip()]


def plant_products(plants: pd.DataFrame, products: pd.DataFrame) -> pd.DataFrame:
    """Every plant's products: ``site_id, product, yield_basis, yield, value_gbp_per_t``.

    The rows of plant_products.csv for the plants that have some; the single
    product of plants.csv for the others (in plants.csv order, then the products
    in file order).
    """
    listed = set(products["site_id"].dropna()) if len(products) else set()
    single = plants.loc[~plants["site_id"].isin(listed) & plants["product"].notna(),
                        ["site_id", *SINGLE]].rename(columns=SINGLE)
    many = products[list(PRODUCT_COLUMNS)] if len(products) else single.iloc[:0]
    order = {p: i for i, p in enumerate(plants["site_id"])}
    out = pd.concat([single, many], ignore_index=True)
    out["_order"] = out["site_id"].map(order)
    return out.sort_values("_order", kind="stable").drop(columns="_order") \
        .reset_index(drop=True).astype({"yield": float, "value_gbp_per_t": float})


def basis_value(feedstocks: pd.DataFrame, basis: str) -> pd.Series:
    """T of basis per t of each feedstock (indexed by feedstock_id): the sum of its columns."""
    f = feedstocks.set_index("feedstock_id")
    return sum((f[c].astype(float) for c in basis_columns(basis)),
               start=pd.Series(0.0, index=f.index))
