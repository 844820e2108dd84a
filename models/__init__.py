"""The Pyomo formulation of docs/model.md: one module per constraint family.

``sets`` builds the index sets (``ModelData``), ``variables`` the variables, one
module per constraint family adds its rows (declared once in ``registry``),
``objective`` the cost lines; ``build`` assembles them in the registry's order.
The pipeline (``feedstock.optimizer.solve.pipeline``) is what calls ``build``.
"""
