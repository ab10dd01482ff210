import sqlalchemy.orm as orm

SqlAlchemyBase = orm.declarative_base()
